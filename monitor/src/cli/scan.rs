//! `monitor scan`: runs the detection engine on a file, stdin, or a labelled corpus. Needs no
//! root and no daemon. Output holds byte offsets and redacted evidence only, never raw values.

use std::{
    fs::File,
    io::{self, BufReader, BufWriter, Read, Write},
    path::PathBuf,
    process::ExitCode,
};

use anyhow::Context as _;
use monitor_detect::{Engine, EngineConfig, Finding, eval};

use super::Output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// File of raw payload bytes to scan, or `-` for stdin.
    #[arg(required_unless_present = "corpus", conflicts_with = "corpus")]
    pub input: Option<PathBuf>,
    /// Labelled corpus (JSONL) to scan record by record; writes predictions to `--output`.
    #[arg(long, requires = "output")]
    pub corpus: Option<PathBuf>,
    /// Where `--corpus` predictions go (JSONL: id, type, start, end per finding).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Findings below this confidence (0.0 ..= 1.0) are not reported.
    #[arg(long, default_value_t = EngineConfig::default().min_confidence)]
    pub min_confidence: f32,
    /// Output format for findings of a file.
    #[arg(long = "output-format", value_enum, default_value_t = Output::Table)]
    pub format: Output,
}

/// # Errors
/// Unreadable input, malformed corpus, unwritable output, invalid confidence.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let config = EngineConfig {
        min_confidence: args.min_confidence,
        ..EngineConfig::default()
    };
    let engine = Engine::new(config).context("building the detection engine")?;
    if let Some(corpus) = &args.corpus {
        let output = args.output.as_ref().context("--corpus needs --output")?;
        return scan_corpus(&engine, corpus, output);
    }
    let input = args
        .input
        .as_ref()
        .context("a FILE (or `-`) to scan is required")?;
    let payload = read_input(input)?;
    let findings = engine.scan(&payload);
    let mut out = io::stdout().lock();
    match args.format {
        Output::Table => print_table(&mut out, &findings)?,
        Output::Json => print_json(&mut out, &findings)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn read_input(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    let mut payload = Vec::new();
    if path.as_os_str() == "-" {
        io::stdin()
            .lock()
            .read_to_end(&mut payload)
            .context("reading stdin")?;
    } else {
        File::open(path)
            .and_then(|mut f| f.read_to_end(&mut payload))
            .with_context(|| format!("reading {}", path.display()))?;
    }
    Ok(payload)
}

fn scan_corpus(engine: &Engine, corpus: &PathBuf, output: &PathBuf) -> anyhow::Result<ExitCode> {
    let file =
        File::open(corpus).with_context(|| format!("opening corpus {}", corpus.display()))?;
    let records = eval::read_corpus(BufReader::new(file))
        .with_context(|| format!("reading corpus {}", corpus.display()))?;
    let predictions: Vec<eval::Prediction> =
        records.iter().map(|r| eval::predict(engine, r)).collect();
    let out = File::create(output).with_context(|| format!("creating {}", output.display()))?;
    eval::write_predictions(BufWriter::new(out), &predictions)
        .with_context(|| format!("writing {}", output.display()))?;
    let findings: usize = predictions.iter().map(|p| p.findings.len()).sum();
    eprintln!(
        "scanned {} records, {findings} findings -> {}",
        records.len(),
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn print_table(out: &mut impl Write, findings: &[Finding]) -> anyhow::Result<()> {
    writeln!(
        out,
        "{:<16} {:>8} {:>8} {:>5}  {:<22} {:<24} EVIDENCE",
        "TYPE", "START", "END", "CONF", "CONTEXT", "COUNTRY"
    )?;
    for f in findings {
        writeln!(
            out,
            "{:<16} {:>8} {:>8} {:>5.2}  {:<22} {:<24} {}",
            f.data_type.as_str(),
            f.start,
            f.end,
            f.confidence,
            f.context.as_deref().unwrap_or("-"),
            f.country.as_deref().unwrap_or("-"),
            f.evidence
        )?;
    }
    writeln!(out, "{} finding(s)", findings.len())?;
    Ok(())
}

fn print_json(out: &mut impl Write, findings: &[Finding]) -> anyhow::Result<()> {
    for f in findings {
        let line = serde_json::json!({
            "type": f.data_type.as_str(),
            "category": f.data_type.category().as_str(),
            "start": f.start,
            "end": f.end,
            "confidence": f.confidence,
            "context": f.context,
            "country": f.country,
            "evidence": f.evidence,
        });
        writeln!(out, "{line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use monitor_detect::DataType;

    use super::*;

    fn finding() -> Finding {
        Finding {
            data_type: DataType::Email,
            start: 3,
            end: 20,
            confidence: 0.95,
            context: Some("email".into()),
            country: None,
            evidence: "a***@w***.de".into(),
        }
    }

    #[test]
    fn table_and_json_hold_redacted_evidence_only() {
        let mut table = Vec::new();
        print_table(&mut table, &[finding()]).unwrap();
        let table = String::from_utf8(table).unwrap();
        assert!(table.contains("a***@w***.de") && table.contains("1 finding(s)"));
        let mut json = Vec::new();
        print_json(&mut json, &[finding()]).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["type"], "email");
        assert_eq!(v["start"], 3);
    }
}
