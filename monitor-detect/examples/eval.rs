//! Fast evaluation loop: `cargo run --release -p monitor-detect --example eval -- CORPUS [--misses N]`.
//! Prints the per-type table and, with `--misses`, up to N misses per type with a few bytes of
//! context (for the developer's eyes only; the corpus values are synthetic).

use std::{fs::File, io::BufReader, time::Instant};

use monitor_detect::{Engine, EngineConfig, eval};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: eval CORPUS [--misses N] [--type T]")?;
    let mut misses_per_type = 0;
    let mut only_type: Option<String> = None;
    let mut repeat = 1_usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--misses" => misses_per_type = args.next().ok_or("--misses N")?.parse()?,
            "--type" => only_type = args.next(),
            "--repeat" => repeat = args.next().ok_or("--repeat N")?.parse()?,
            _ => return Err(format!("unknown argument {a}").into()),
        }
    }
    let records = eval::read_corpus(BufReader::new(File::open(&path)?))?;
    let engine = Engine::new(EngineConfig::default())?;
    let started = Instant::now();
    let predictions: Vec<_> = records.iter().map(|r| eval::predict(&engine, r)).collect();
    for _ in 1..repeat {
        for r in &records {
            std::hint::black_box(engine.scan(&r.payload));
        }
    }
    let elapsed = started.elapsed();
    let bytes: usize = records.iter().map(|r| r.payload.len()).sum::<usize>() * repeat.max(1);
    let (scores, misses) = eval::score(&records, &predictions);
    print!("{}", eval::format_table(&scores));
    #[expect(clippy::cast_precision_loss, reason = "display only")]
    let mbps = bytes as f64 / elapsed.as_secs_f64() / 1e6;
    println!(
        "{} records, {bytes} bytes in {elapsed:.2?} ({mbps:.1} MB/s)",
        records.len()
    );
    let mut shown: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (id, ty, start, end, fp) in misses {
        if only_type.as_ref().is_some_and(|t| *t != ty) {
            continue;
        }
        let n = shown.entry(format!("{ty}{fp}")).or_default();
        if *n >= misses_per_type {
            continue;
        }
        *n += 1;
        let Some(r) = records.iter().find(|r| r.id == id) else {
            continue;
        };
        let ctx = |a: usize, b: usize| {
            String::from_utf8_lossy(r.payload.get(a..b).unwrap_or_default())
                .replace('\n', "\\n")
                .replace('\r', "\\r")
        };
        println!(
            "{} {ty:<14} {id} [{}|{}|{}] ({})",
            if fp { "FP" } else { "FN" },
            ctx(start.saturating_sub(40), start),
            ctx(start, end),
            ctx(end, (end + 15).min(r.payload.len())),
            r.template.as_deref().unwrap_or("")
        );
    }
    Ok(())
}
