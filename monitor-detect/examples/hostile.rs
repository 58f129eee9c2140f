//! Times the engine on inputs built to trigger super-linear work: `hostile [SIZE]`.

use std::time::Instant;

use monitor_detect::{Engine, EngineConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let size: usize = std::env::args().nth(1).map_or(Ok(1 << 20), |s| s.parse())?;
    let engine = Engine::new(EngineConfig::default())?;
    let units: [&[u8]; 21] = [
        b"a=",
        b"a='a=",
        b"{",
        b"[1,",
        b"{\"a\":\"",
        b"\"",
        b"eyJ.",
        b"x@y.de;",
        b"aaaaaaaaaa@",
        b"QUJDRGVmZ2hpams+/",
        b"4111 ",
        b"1.",
        b"<a>",
        b"*9\r\n$1\r\n",
        b"Hallo Anna, ",
        b"\\u00fc",
        b"%41",
        b"a;b;c\n",
        b"name,email\nA B,a@b.de\n",
        b"::",
        b"0",
    ];
    for unit in units {
        let input: Vec<u8> = unit.iter().copied().cycle().take(size).collect();
        let started = Instant::now();
        let found = engine.scan(&input);
        println!(
            "{:<28} {:>8} findings {:>10.2?}",
            format!("{:?}", String::from_utf8_lossy(unit)),
            found.len(),
            started.elapsed()
        );
    }
    Ok(())
}
