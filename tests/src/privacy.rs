//! Searching outputs for planted raw values: a finding must never carry the value itself.

use std::path::Path;

use crate::Result;
use crate::error::Context as _;

/// One named output (a log, an API body, a state file...).
#[derive(Debug, Clone)]
pub struct Output {
    /// Where it came from, for the failure message.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl Output {
    /// A named text output.
    #[must_use]
    pub fn text(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            bytes: text.into().into_bytes(),
        }
    }
}

/// A planted value found in an output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    /// The output's name.
    pub output: String,
    /// The needle found.
    pub needle: String,
    /// Up to 60 bytes around the hit.
    pub context: String,
}

/// Every occurrence of any `needle` in any output (case-insensitive for ASCII).
#[must_use]
pub fn scan(outputs: &[Output], needles: &[&str]) -> Vec<Leak> {
    let mut leaks = Vec::new();
    for out in outputs {
        let hay = out.bytes.to_ascii_lowercase();
        for needle in needles {
            let n = needle.to_ascii_lowercase().into_bytes();
            if n.is_empty() || n.len() > hay.len() {
                continue;
            }
            if let Some(at) = hay.windows(n.len()).position(|w| w == n.as_slice()) {
                let from = at.saturating_sub(30);
                let to = (at + n.len() + 30).min(out.bytes.len());
                leaks.push(Leak {
                    output: out.name.clone(),
                    needle: (*needle).to_owned(),
                    context: String::from_utf8_lossy(&out.bytes[from..to]).into_owned(),
                });
            }
        }
    }
    leaks
}

/// Every regular file under `dir`, recursively (bounded depth), as outputs.
///
/// # Errors
/// When a directory or file cannot be read.
pub fn files_under(dir: &Path) -> Result<Vec<Output>> {
    let mut out = Vec::new();
    walk(dir, 0, &mut out)?;
    Ok(out)
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<Output>) -> Result<()> {
    if depth > 16 {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).context(format!("reading {}", dir.display()))? {
        let path = entry.context("dir entry")?.path();
        let meta = std::fs::symlink_metadata(&path).context(format!("stat {}", path.display()))?;
        if meta.is_dir() {
            walk(&path, depth + 1, out)?;
        } else if meta.is_file() {
            let bytes = std::fs::read(&path).context(format!("reading {}", path.display()))?;
            out.push(Output {
                name: format!("state file {}", path.display()),
                bytes,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_needles_case_insensitively_and_only_then() {
        let outs = [
            Output::text("log", "sent to Quintus.VanDerMolen@x"),
            Output::text("api", "q***@m***.example"),
        ];
        let leaks = scan(&outs, &["quintus.vandermolen"]);
        assert_eq!(leaks.len(), 1);
        assert_eq!(leaks[0].output, "log");
        assert!(scan(&outs, &["4532719044183055"]).is_empty());
    }
}
