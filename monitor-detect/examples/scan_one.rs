//! Debug helper: `scan_one FILE` prints the findings for one payload file (redacted evidence).

use monitor_detect::{Engine, EngineConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: scan_one FILE")?;
    let payload = std::fs::read(path)?;
    let engine = Engine::new(EngineConfig::default())?;
    for f in engine.scan(&payload) {
        println!(
            "{:>6}..{:<6} {:<16} {:.2} {:<20} {}",
            f.start,
            f.end,
            f.data_type.as_str(),
            f.confidence,
            f.context.as_deref().unwrap_or("-"),
            f.evidence
        );
    }
    Ok(())
}
