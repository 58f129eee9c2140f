#!/usr/bin/env python3
"""Presidio's pattern recognizers over a framed corpus, for `cargo xtask bench --detect-only`.

The corpus file holds records framed as a little-endian u32 length followed by the bytes (written
by `monitor_detect::bench_corpus::Corpus::write_framed`). Records are analysed one by one, in
order, on one CPU, until all are done or the time budget is spent; the script then prints one JSON
object on stdout: how many records and bytes were analysed, in how many seconds, and how many
findings of each entity type (counts only, never values).

No spaCy model can be downloaded here, so the NLP engine is a blank English pipeline
(`spacy.blank("en")`: tokenizer only). Every predefined English recognizer is kept except
`SpacyRecognizer`, the NER one, which needs a trained model: what remains are Presidio's pattern
recognizers (regex + checksum/context validation) and its phonenumbers-based phone recognizer.
"""

import argparse
import json
import os
import struct
import sys
import time
import types


def read_framed(path):
    with open(path, "rb") as f:
        data = f.read()
    records = []
    pos = 0
    while pos < len(data):
        if pos + 4 > len(data):
            raise ValueError(f"{path}: truncated frame header at byte {pos}")
        (length,) = struct.unpack_from("<I", data, pos)
        pos += 4
        if pos + length > len(data):
            raise ValueError(f"{path}: truncated record at byte {pos}")
        records.append(data[pos : pos + length])
        pos += length
    return records


def decode(record):
    """UTF-8 where valid; otherwise Latin-1, which maps each byte to one character (spaCy rejects
    the lone surrogates of `surrogateescape`), so binary records are still analysed in full."""
    try:
        return record.decode("utf-8")
    except UnicodeDecodeError:
        return record.decode("latin-1")


def build_analyzer():
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import EmailRecognizer, SpacyRecognizer

    class BlankSpacyNlpEngine(SpacyNlpEngine):
        """A spaCy NLP engine over `spacy.blank("en")`: no model download, no NER."""

        def load(self):
            self.nlp = {"en": spacy.blank("en")}

    # The email recognizer validates the TLD with tldextract, whose default extractor fetches the
    # public suffix list over the network; the bundled snapshot gives the same answers offline.
    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    sys.modules[EmailRecognizer.__module__].tldextract = types.SimpleNamespace(extract=offline)

    nlp_engine = BlankSpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank"}])
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine)
    registry.recognizers = [r for r in registry.recognizers if not isinstance(r, SpacyRecognizer)]
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])
    return analyzer, [r.name for r in registry.recognizers]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="framed corpus file")
    parser.add_argument("--budget-seconds", type=float, default=25.0)
    parser.add_argument("--cpu", type=int, help="CPU to pin to (default: the last allowed one)")
    args = parser.parse_args()

    allowed = sorted(os.sched_getaffinity(0))
    cpu = args.cpu if args.cpu is not None else allowed[-1]
    os.sched_setaffinity(0, {cpu})

    import spacy
    from importlib.metadata import version

    records = read_framed(args.corpus)
    texts = [decode(r) for r in records]
    analyzer, recognizers = build_analyzer()

    # Warm-up (lazy regex compilation, first-call caches), not timed.
    for text in texts[:20]:
        analyzer.analyze(text=text, language="en")

    findings = {}
    analysed = 0
    nbytes = 0
    start = time.perf_counter()
    for record, text in zip(records, texts):
        for result in analyzer.analyze(text=text, language="en"):
            findings[result.entity_type] = findings.get(result.entity_type, 0) + 1
        analysed += 1
        nbytes += len(record)
        if time.perf_counter() - start >= args.budget_seconds:
            break
    seconds = time.perf_counter() - start

    json.dump(
        {
            "presidio_version": version("presidio-analyzer"),
            "spacy_version": spacy.__version__,
            "python_version": sys.version.split()[0],
            "cpu": cpu,
            "recognizers": recognizers,
            "records_total": len(records),
            "records": analysed,
            "bytes": nbytes,
            "seconds": seconds,
            "findings": sum(findings.values()),
            "findings_by_type": dict(sorted(findings.items())),
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
