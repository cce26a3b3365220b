"""Text analysis benchmark: ours vs SnowNLP vs cnsenti, side by side, on the same texts.

    .venv/bin/python benchmarks/text_benchmark.py [--quick]

Prints (figures only; nothing is asserted):
  * quality on the held-out part of tests/fixtures/text_eval/remarks.csv (written independently of the
    lexicons): sentiment macro-F1 and negative-vs-rest F1; topic micro/macro-F1 (未归类 counted as a
    label). SnowNLP's thresholds for 负面/中性/正面 are chosen on the dev part only;
  * throughput on one core (the worker process is pinned to one CPU) in characters per second, on
    synthetic remarks drawn from the dev texts; ours on 1,000,000 remarks (100,000 with --quick),
    SnowNLP and cnsenti on a fixed subsample of 2,000; peak memory (max RSS) of each worker;
  * the trainable model on the public waimai_10k reviews (../shared/eval/waimai_10k, read at run time):
    accuracy and macro-F1 of the model, of the lexicon alone, and of SnowNLP, on a fixed test split.

Tools missing from the environment (snownlp, cnsenti, the eval files) are reported and skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO / "tests" / "fixtures" / "text_eval" / "remarks.csv"
WAIMAI = REPO.parent / "shared" / "eval" / "waimai_10k" / "waimai_10k.csv"
BASELINE_SAMPLE = 2_000
SEED = 20251124
LABELS = ["负面", "中性", "正面"]

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


# -- workers (run in a child process pinned to one CPU) -------------------------------------------

def _pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[-1]})


def _peak_mb() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss would include the parent's before exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _quiet_jieba() -> None:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)


def worker(tool: str, n: int) -> dict:
    """Throughput of one tool on ``n`` synthetic remarks; returns figures as a dict."""
    _pin_one_core()
    texts = synthetic_corpus(n)
    chars = sum(len(t) for t in texts)
    if tool == "ours":
        from xinfang.text import analyze

        analyze(texts[:100])  # load the vocabularies (counted apart: a one-off cost per process)
        start = time.perf_counter()
        result = analyze(texts, progress=False)
        seconds = time.perf_counter() - start
        assert len(result) == n
    elif tool == "snownlp":
        from snownlp import SnowNLP

        scores = [SnowNLP("预热").sentiments]
        start = time.perf_counter()
        for text in texts:
            scores.append(SnowNLP(text).sentiments)
        seconds = time.perf_counter() - start
    elif tool == "cnsenti":
        _quiet_jieba()
        from cnsenti import Sentiment

        senti = Sentiment()
        senti.sentiment_count("预热")
        start = time.perf_counter()
        for text in texts:
            senti.sentiment_count(text)
        seconds = time.perf_counter() - start
    else:
        raise SystemExit(f"unknown tool {tool}")
    return {"tool": tool, "remarks": n, "chars": chars, "seconds": seconds, "peak_mb": _peak_mb()}


def run_worker(tool: str, n: int) -> dict | None:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", tool, "--n", str(n)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
    if done.returncode != 0:
        print(f"  ({tool} throughput run failed: {done.stderr.strip().splitlines()[-1:]})")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- data -----------------------------------------------------------------------------------------

def load_eval():
    import pandas as pd

    if not EVAL.is_file():
        return None, None
    frame = pd.read_csv(EVAL, dtype=str, keep_default_na=False)
    return frame[frame["split"] == "dev"].reset_index(drop=True), frame[frame["split"] == "heldout"].reset_index(drop=True)


def synthetic_corpus(n: int) -> list[str]:
    """``n`` remarks drawn (with replacement, fixed seed) from the dev texts only."""
    dev, _ = load_eval()
    base = dev["text"].tolist() if dev is not None and len(dev) else ["我觉得队里的精益奖金分配差距比较大"]
    rnd = random.Random(SEED)
    return rnd.choices(base, k=n)


# -- scoring --------------------------------------------------------------------------------------

def sentiment_scores(gold, predicted) -> tuple[float, float]:
    from sklearn.metrics import f1_score

    macro = f1_score(gold, predicted, labels=LABELS, average="macro", zero_division=0)
    negative = f1_score([g == "负面" for g in gold], [p == "负面" for p in predicted], zero_division=0)
    return macro, negative


def topic_scores(gold: list[list[str]], predicted: list[list[str]]) -> tuple[float, float]:
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import MultiLabelBinarizer

    binarizer = MultiLabelBinarizer().fit(gold + predicted)
    g, p = binarizer.transform(gold), binarizer.transform(predicted)
    return (f1_score(g, p, average="micro", zero_division=0),
            f1_score(g, p, average="macro", zero_division=0))


def snownlp_probabilities(texts: list[str]) -> list[float] | None:
    try:
        from snownlp import SnowNLP
    except ImportError:
        return None
    return [SnowNLP(t).sentiments if t.strip() else 0.5 for t in texts]


def _macro_f1(gold, predicted) -> float:
    """Macro-F1 over LABELS (numpy arrays of label strings); the same figure as sklearn's, faster."""
    scores = []
    for label in LABELS:
        tp = float(((gold == label) & (predicted == label)).sum())
        fp = float(((gold != label) & (predicted == label)).sum())
        fn = float(((gold == label) & (predicted != label)).sum())
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def snownlp_thresholds(probabilities: list[float], gold: list[str]) -> tuple[float, float]:
    """(lo, hi): p < lo → 负面, p > hi → 正面, else 中性; chosen to maximise macro-F1 on the given rows."""
    import numpy as np

    p = np.asarray(probabilities)
    g = np.asarray(gold)
    grid = [i / 100 for i in range(0, 101)]
    best = (-1.0, 0.5, 0.5)
    for lo in grid:
        for hi in grid:
            if hi < lo:
                continue
            predicted = np.where(p < lo, "负面", np.where(p > hi, "正面", "中性"))
            macro = _macro_f1(g, predicted)
            if macro > best[0]:
                best = (macro, lo, hi)
    return best[1], best[2]


def snownlp_label(p: float, lo: float, hi: float) -> str:
    return "负面" if p < lo else "正面" if p > hi else "中性"


def cnsenti_labels(texts: list[str]) -> list[str] | None:
    try:
        _quiet_jieba()
        from cnsenti import Sentiment
    except ImportError:
        return None
    senti = Sentiment()
    out = []
    for text in texts:
        counts = senti.sentiment_count(text) if text.strip() else {"pos": 0, "neg": 0}
        out.append("正面" if counts["pos"] > counts["neg"] else "负面" if counts["neg"] > counts["pos"] else "中性")
    return out


# -- sections -------------------------------------------------------------------------------------

def quality_section() -> list[tuple]:
    from xinfang.text import analyze
    from xinfang.text.normalize import normalize_many

    dev, held = load_eval()
    if held is None or not len(held):
        print("  (tests/fixtures/text_eval/remarks.csv not found: quality section skipped)")
        return []
    rows = []
    gold_sent = held["sentiment"].tolist()
    gold_topics = [t.split("|") for t in held["topics"]]
    ours = analyze(held["text"].tolist())
    rows.append(("ours (lexicon + taxonomy)", *sentiment_scores(gold_sent, ours["label"].tolist()),
                 *topic_scores(gold_topics, ours["topics"].tolist())))
    # The trainable models, trained on the dev rows only (the office's "own labelled cases").
    from xinfang.text import SentimentModel, TopicModel

    sentiment_model = SentimentModel(min_cases=1).fit(dev["text"].tolist(), dev["sentiment"].tolist())
    topic_model = TopicModel(min_cases=1, min_cases_per_topic=3).fit(
        dev["text"].tolist(), [t.split("|") for t in dev["topics"]])
    learned = analyze(held["text"].tolist(), sentiment_model=sentiment_model, topic_model=topic_model)
    rows.append((f"ours + models trained on the {len(dev)} dev cases",
                 *sentiment_scores(gold_sent, learned["label"].tolist()),
                 *topic_scores(gold_topics, learned["topics"].tolist())))

    rnd = random.Random(SEED)
    sample = sorted(rnd.sample(range(len(held)), min(BASELINE_SAMPLE, len(held))))
    sample_gold = [gold_sent[i] for i in sample]
    for variant, transform in (("raw text", lambda ts: ts), ("our normalised text", normalize_many)):
        dev_p = snownlp_probabilities(transform(dev["text"].tolist()))
        if dev_p is None:
            print("  (snownlp not installed: skipped)")
            break
        lo, hi = snownlp_thresholds(dev_p, dev["sentiment"].tolist())
        held_p = snownlp_probabilities(transform([held["text"][i] for i in sample]))
        rows.append((f"SnowNLP, {variant} (thresholds {lo:.2f}/{hi:.2f} from dev)",
                     *sentiment_scores(sample_gold, [snownlp_label(p, lo, hi) for p in held_p]), None, None))
    for variant, transform in (("raw text", lambda ts: ts), ("our normalised text", normalize_many)):
        labels = cnsenti_labels(transform([held["text"][i] for i in sample]))
        if labels is None:
            print("  (cnsenti not installed: skipped)")
            break
        rows.append((f"cnsenti, {variant} (pos vs neg word counts)", *sentiment_scores(sample_gold, labels),
                     None, None))
    print(f"\nQuality on the held-out part ({len(held)} remarks; baselines on {len(sample)}):")
    print(f"  {'tool':58} {'sent. macro-F1':>14} {'neg-vs-rest F1':>15} {'topic micro-F1':>15} "
          f"{'topic macro-F1':>15}")
    def fmt(value: float | None) -> str:
        return f"{value:.3f}" if value is not None else "n/a"

    for name, macro, neg, micro, tmacro in rows:
        print(f"  {name:58} {fmt(macro):>14} {fmt(neg):>15} {fmt(micro):>15} {fmt(tmacro):>15}")
    return rows


def throughput_section(n_ours: int) -> list[dict]:
    print(f"\nThroughput (one pinned core; synthetic remarks drawn from the dev texts; ours on {n_ours:,}, "
          f"baselines on {BASELINE_SAMPLE:,}):")
    results = []
    for tool, n in (("ours", n_ours), ("snownlp", BASELINE_SAMPLE), ("cnsenti", BASELINE_SAMPLE)):
        figures = run_worker(tool, n)
        if figures is None:
            continue
        figures["chars_per_s"] = figures["chars"] / figures["seconds"]
        results.append(figures)
    base = next((r for r in results if r["tool"] == "snownlp"), None)
    print(f"  {'tool':10} {'remarks':>10} {'chars':>12} {'seconds':>9} {'chars/s':>12} {'× SnowNLP':>10} "
          f"{'peak MB':>9}")
    for r in results:
        ratio = f"{r['chars_per_s'] / base['chars_per_s']:.0f}×" if base else "n/a"
        print(f"  {r['tool']:10} {r['remarks']:>10,} {r['chars']:>12,} {r['seconds']:>9.2f} "
              f"{r['chars_per_s']:>12,.0f} {ratio:>10} {r['peak_mb']:>9.0f}")
    ours = next((r for r in results if r["tool"] == "ours"), None)
    if ours:
        per_million = ours["seconds"] / ours["remarks"] * 1_000_000
        print(f"  → 1,000,000 remarks {'took' if ours['remarks'] == 1_000_000 else 'would take'} "
              f"{per_million:.0f} s on one core (target < 120 s), peak {ours['peak_mb']:.0f} MB (target < 4096 MB)")
    return results


def waimai_section(quick: bool) -> None:
    import pandas as pd

    if not WAIMAI.is_file():
        print(f"\n  ({WAIMAI} not found: trainable-model section skipped)")
        return
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    from xinfang.text import SentimentModel, analyze

    frame = pd.read_csv(WAIMAI)
    frame["y"] = frame["label"].map({0: "负面", 1: "正面"})
    train, test = train_test_split(frame, test_size=0.2, random_state=0, stratify=frame["y"])
    if quick:
        train = train.sample(n=3000, random_state=0)
    start = time.perf_counter()
    model = SentimentModel(min_cases=100).fit(train["review"].tolist(), train["y"].tolist())
    fit_s = time.perf_counter() - start
    gold = test["y"].tolist()
    rows = []
    learned = analyze(test["review"].tolist(), sentiment_model=model)
    rows.append((f"ours, model trained on {len(train):,} reviews ({fit_s:.1f} s)", learned["label"].tolist()))
    lexicon = analyze(test["review"].tolist())
    # Binary task: a 中性 label falls to the side of its score.
    lexicon_binary = [lab if lab != "中性" else ("正面" if s > 0 else "负面")
                      for lab, s in zip(lexicon["label"], lexicon["score"], strict=True)]
    rows.append(("ours, lexicon only (no training)", lexicon_binary))
    rnd = random.Random(SEED)
    sample = sorted(rnd.sample(range(len(test)), min(BASELINE_SAMPLE, len(test))))
    probabilities = snownlp_probabilities([test["review"].iloc[i] for i in sample])
    print(f"\nTrainable model on waimai_10k (food-delivery reviews, 2 classes; test split {len(test):,}):")
    print(f"  {'tool':58} {'accuracy':>9} {'macro-F1':>9}")
    for name, predicted in rows:
        print(f"  {name:58} {accuracy_score(gold, predicted):>9.3f} "
              f"{f1_score(gold, predicted, average='macro'):>9.3f}")
    if probabilities is not None:
        sample_gold = [gold[i] for i in sample]
        predicted = ["正面" if p > 0.5 else "负面" for p in probabilities]
        print(f"  {'SnowNLP (p > 0.5, on ' + str(len(sample)) + ' of the test split)':58} "
              f"{accuracy_score(sample_gold, predicted):>9.3f} "
              f"{f1_score(sample_gold, predicted, average='macro'):>9.3f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller runs (about a minute)")
    parser.add_argument("--remarks", type=int, default=None, help="remarks for our throughput run")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.n)))
        return
    _quiet_jieba()
    started = time.perf_counter()
    print("xinfang text benchmark" + (" (quick)" if args.quick else ""))
    quality_section()
    throughput_section(args.remarks or (100_000 if args.quick else 1_000_000))
    waimai_section(args.quick)
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
