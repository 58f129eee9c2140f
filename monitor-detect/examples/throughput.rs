//! Quick throughput loop: `cargo run --release -p monitor-detect --features bench-corpus --example
//! throughput [-- ROUNDS [mixed|clean] [unseen]]` prints MB/s (10^6 bytes/s) per mix, median of
//! ROUNDS. Each round scans the default corpus again, so phone numbers and field names after the
//! first round are answered from the engine's memos; with `unseen`, each round scans a corpus of
//! its own seed instead (generated before the round, after one untimed round on another), values
//! the engine has not met, as on a live network.

use std::time::Instant;

use monitor_detect::{
    Engine, EngineConfig,
    bench_corpus::{Corpus, Mix, Spec},
};

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let only = std::env::args().nth(2);
    let unseen = std::env::args().nth(3).is_some_and(|a| a == "unseen");
    let engine = Engine::new(EngineConfig::default()).expect("valid config");
    for mix in [Mix::Mixed, Mix::Clean] {
        if only.as_deref().is_some_and(|o| o != mix.as_str()) {
            continue;
        }
        let corpus = Corpus::generate(&Spec::new(mix));
        if let Some(n) = std::env::var("SHOW")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
        {
            for record in corpus.records.iter().take(n) {
                println!(
                    "--- {}",
                    String::from_utf8_lossy(&record.bytes).escape_debug()
                );
            }
        }
        let mut rates = Vec::with_capacity(rounds);
        let mut findings = 0;
        let (mut records, mut scanned_bytes) = (0, 0);
        let other_seed = |round: usize| Corpus::generate(&Spec::unseen(mix, round as u64 + 1));
        if unseen {
            for record in &other_seed(rounds).records {
                std::hint::black_box(engine.scan(&record.bytes));
            }
        }
        for round in 0..rounds {
            let fresh = unseen.then(|| other_seed(round));
            let scanned = fresh.as_ref().unwrap_or(&corpus);
            let started = Instant::now();
            findings = 0;
            for record in &scanned.records {
                findings += engine.scan(std::hint::black_box(&record.bytes)).len();
            }
            #[expect(clippy::cast_precision_loss, reason = "a rate")]
            rates.push(scanned.total_bytes() as f64 / started.elapsed().as_secs_f64() / 1e6);
            (records, scanned_bytes) = (scanned.records.len(), scanned.total_bytes());
        }
        if std::env::var_os("DUMP").is_some() {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for record in &corpus.records {
                for f in engine.scan(&record.bytes) {
                    let line = format!(
                        "{} {} {} {:.3} {:?} {:?} {}",
                        f.data_type.as_str(),
                        f.start,
                        f.end,
                        f.confidence,
                        f.context,
                        f.country,
                        f.evidence
                    );
                    for b in line.bytes().chain([b'\n']) {
                        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
                    }
                }
            }
            println!("{} findings hash {h:016x}", mix.as_str());
        }
        rates.sort_by(f64::total_cmp);
        println!(
            "{:<6} {:>8.1} MB/s median (min {:.1}, max {:.1}), {} records, {} bytes, {findings} findings{}",
            mix.as_str(),
            rates[rates.len() / 2],
            rates[0],
            rates[rates.len() - 1],
            records,
            scanned_bytes,
            if unseen {
                " (last round's); unseen values"
            } else {
                ""
            }
        );
    }
}
