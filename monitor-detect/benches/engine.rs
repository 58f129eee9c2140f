//! Detection-engine throughput, single-threaded, on synthetic machine-to-machine traffic.
//!
//! `cargo bench -p monitor-detect --bench engine`. Corpora come from
//! [`monitor_detect::bench_corpus`] (deterministic, a few MB each, generated in-process so the
//! benchmark needs nothing outside the repository):
//! - `scan/mixed`: telemetry with ~15 % of records carrying personal data;
//! - `scan/clean`: the same kinds of payloads without personal data;
//! - `stream/mixed`: the mixed corpus as one stream, fed to a [`StreamScanner`] in 1460-byte
//!   chunks (one TCP segment each), as the daemon does.
//!
//! Criterion reports the throughput of one core (`Throughput::Bytes`, so MiB/s).

use std::{hint::black_box, time::Duration};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use monitor_detect::{
    Engine, EngineConfig, StreamScanner,
    bench_corpus::{Corpus, Mix, Spec},
};

/// One TCP segment's payload on a 1500-byte MTU link.
const SEGMENT: usize = 1460;

fn scan(c: &mut Criterion) {
    let engine = Engine::new(EngineConfig::default()).expect("default engine config is valid");
    let mut group = c.benchmark_group("scan");
    // One iteration scans a few MB (0.1 s or more): flat sampling and a few samples give a tight
    // estimate without criterion's linear ramp of iteration counts.
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for mix in [Mix::Mixed, Mix::Clean] {
        let corpus = Corpus::generate(&Spec::new(mix));
        group.throughput(Throughput::Bytes(corpus.total_bytes() as u64));
        group.bench_function(mix.as_str(), |b| {
            b.iter(|| {
                let mut findings = 0;
                for record in &corpus.records {
                    findings += engine.scan(black_box(&record.bytes)).len();
                }
                findings
            });
        });
    }
    group.finish();
}

fn stream(c: &mut Criterion) {
    let engine = Engine::new(EngineConfig::default()).expect("default engine config is valid");
    let bytes = Corpus::generate(&Spec::new(Mix::Mixed)).concatenated();
    let mut group = c.benchmark_group("stream");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function(Mix::Mixed.as_str(), |b| {
        b.iter(|| {
            let mut scanner = StreamScanner::new();
            let mut offset = 0u64;
            let mut findings = 0;
            for chunk in bytes.chunks(SEGMENT) {
                findings += scanner.feed(&engine, offset, black_box(chunk)).len();
                offset += chunk.len() as u64;
            }
            findings
        });
    });
    group.finish();
}

criterion_group!(benches, scan, stream);
criterion_main!(benches);
