"""Sentence-frame probe (issue 20): does a sentence's frame come from the sentence itself?

Usage:
    python benchmarks/bench_frames_probe.py [--model DIR] [--articles FILE] [--sentences FILE] [--json OUT]

data/probes/frame_articles.jsonl joins team-written sentences, each plainly carrying one frame,
into short articles of four sentences with four different frames. For every article it reads the
model's sentence frame scores (`Analyzer.score`: `DocumentScores.sentence_frames`, the scores the
Analysis's sentence frames are decided from) and the Analysis built from them, and reports:

- top-1 accuracy: the sentence's highest-scoring frame is the one it was written to carry;
- own frame asserted: that frame is among the frames the Analysis lists for the sentence;
- own frame asserted, article too: the same, counting it only when the article lists the frame as
  well (what the rule "a sentence frame needs the article's" would give);
- distinct frames per article: the number of different top-1 frames among its sentences (4 when
  every sentence gets its own);

with the same figures per frame. The row "sentence alone" scores each sentence as a text of its
own, which shows how much the surrounding article pulls a sentence's frames.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from framing.model.taxonomy import FRAMES

sys.path.insert(0, str(Path(__file__).resolve().parent))
from probe_data import (
    FRAME_ARTICLES,
    FRAME_SENTENCES,
    FrameArticle,
    ProbeDataError,
    ProbeSentence,
    load_frame_articles,
)

if TYPE_CHECKING:
    from framing.model.analyzer import Analyzer


@dataclass
class SentenceResult:
    id: str
    article: str
    frame: str  # the frame the sentence was written to carry
    top: str  # its highest-scoring frame
    top_score: float
    own_score: float
    own_rank: int  # 1 = top
    asserted: list[str]  # frames the Analysis lists for the sentence
    article_frames: list[str] = field(default_factory=list)  # frames the Analysis lists for the article

    @property
    def correct(self) -> bool:
        return self.top == self.frame

    @property
    def own_asserted(self) -> bool:
        return self.frame in self.asserted

    @property
    def own_asserted_with_article(self) -> bool:
        return self.own_asserted and self.frame in self.article_frames


@dataclass
class FrameProbeSummary:
    setting: str
    sentences: int
    top1_correct: int
    own_asserted: int
    articles: int
    distinct_top_frames: list[int]  # per article
    own_asserted_with_article: int = 0

    @property
    def top1_accuracy(self) -> float:
        return self.top1_correct / self.sentences if self.sentences else 0.0

    @property
    def own_asserted_share(self) -> float:
        return self.own_asserted / self.sentences if self.sentences else 0.0

    @property
    def own_asserted_with_article_share(self) -> float:
        return self.own_asserted_with_article / self.sentences if self.sentences else 0.0

    @property
    def mean_distinct_frames(self) -> float:
        return float(np.mean(self.distinct_top_frames)) if self.distinct_top_frames else 0.0


def judge_sentences(article_id: str, sentences: Sequence[ProbeSentence], frame_scores: np.ndarray,
                    asserted: Sequence[Sequence[str]], article: Sequence[str] = ()) -> list[SentenceResult]:
    """One result per probe sentence; `frame_scores[i]` (one column per frame in taxonomy order)
    and `asserted[i]` belong to `sentences[i]`."""
    if not len(sentences) == len(frame_scores) == len(asserted):
        raise ValueError("sentences, scores and asserted frames differ in length")
    results = []
    for sentence, row, frames in zip(sentences, frame_scores, asserted, strict=True):
        own = FRAMES.index(sentence.frame)
        order = np.argsort(-row, kind="stable")
        results.append(SentenceResult(
            sentence.id, article_id, sentence.frame, FRAMES[int(order[0])], float(row[order[0]]),
            float(row[own]), int(np.flatnonzero(order == own)[0]) + 1, list(frames), list(article)))
    return results


def summarize(setting: str, results: Sequence[SentenceResult]) -> FrameProbeSummary:
    by_article: dict[str, set[str]] = {}
    for r in results:
        by_article.setdefault(r.article, set()).add(r.top)
    return FrameProbeSummary(setting, len(results), sum(r.correct for r in results),
                             sum(r.own_asserted for r in results), len(by_article),
                             [len(tops) for tops in by_article.values()],
                             sum(r.own_asserted_with_article for r in results))


def match_sentences(article: FrameArticle, model_sentences: Sequence[tuple[int, int]]) -> list[int]:
    """Index of the model's sentence for each probe sentence; an error if segmentation cut it differently."""
    index = {bounds: i for i, bounds in enumerate(model_sentences)}
    try:
        return [index[(s.start, s.end)] for s in article.sentences]
    except KeyError:
        raise ProbeDataError(f"{article.id}: the model's sentence splitter cuts this article differently "
                             f"from the probe ({list(model_sentences)})") from None


def score_texts(analyzer: Analyzer, articles: Sequence[FrameArticle]) -> list[SentenceResult]:
    prepared, scores = analyzer.score([a.text for a in articles])
    results = []
    for article, p, s in zip(articles, prepared, scores, strict=True):
        rows = match_sentences(article, [(x.start, x.end) for x in p.sentences])
        analysis = analyzer.decode(p, s)
        asserted = [[f.label for f in analysis.sentences[i].frames] for i in rows]
        results += judge_sentences(article.id, article.sentences, s.sentence_frames[rows], asserted,
                                   [f.label for f in analysis.frames])
    return results


def alone(articles: Sequence[FrameArticle]) -> list[FrameArticle]:
    """Every probe sentence as an article of its own (keeping its article id for grouping)."""
    return [FrameArticle(a.id, a.text[s.start : s.end], (ProbeSentence(s.id, s.frame, 0, s.end - s.start),))
            for a in articles for s in a.sentences]


def report(summaries: Sequence[FrameProbeSummary], results: Sequence[SentenceResult]) -> None:
    print("| setting | sentences | top-1 correct | top-1 accuracy | own frame asserted | share "
          "| share, article asserting it too | mean distinct top frames per article |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for s in summaries:
        print(f"| {s.setting} | {s.sentences} | {s.top1_correct} | {s.top1_accuracy:.3f} | {s.own_asserted} "
              f"| {s.own_asserted_share:.3f} | {s.own_asserted_with_article_share:.3f} "
              f"| {s.mean_distinct_frames:.2f} |")
    print("\nPer frame (in articles):\n")
    print("| frame | sentences | top-1 correct | own asserted | most frequent top-1 |")
    print("| --- | ---: | ---: | ---: | --- |")
    for frame in FRAMES:
        own = [r for r in results if r.frame == frame]
        if not own:
            continue
        tops = [r.top for r in own]
        common = max(sorted(set(tops)), key=tops.count)
        print(f"| {frame} | {len(own)} | {sum(r.correct for r in own)} | {sum(r.own_asserted for r in own)} "
              f"| {common} ({tops.count(common)}) |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="model folder or registry (default: the shipped model)")
    parser.add_argument("--articles", type=Path, default=FRAME_ARTICLES, help="mixed articles (JSONL)")
    parser.add_argument("--sentences", type=Path, default=FRAME_SENTENCES, help="probe sentences (JSONL)")
    parser.add_argument("--json", type=Path, help="also write every figure and per-sentence result here")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    from framing.model.analyzer import Analyzer

    try:
        articles = load_frame_articles(args.articles, args.sentences)
        analyzer = Analyzer.load(args.model, threads=args.threads)
        in_articles = score_texts(analyzer, articles)
        by_itself = score_texts(analyzer, alone(articles))
    except ProbeDataError as error:
        print(f"bench_frames_probe: {error}", file=sys.stderr)
        return 2
    summaries = [summarize("in articles", in_articles), summarize("sentence alone", by_itself)]
    print(f"model {analyzer.info.name} {analyzer.info.version}; {len(articles)} articles, "
          f"{len(in_articles)} sentences from {args.articles}\n")
    report(summaries, in_articles)
    if args.json:
        args.json.write_text(json.dumps({
            "model": analyzer.info.model_dump(),
            "summaries": [{**asdict(s), "top1_accuracy": s.top1_accuracy, "own_asserted_share": s.own_asserted_share,
                           "own_asserted_with_article_share": s.own_asserted_with_article_share,
                           "mean_distinct_frames": s.mean_distinct_frames} for s in summaries],
            "sentences": {"in_articles": [asdict(r) for r in in_articles],
                          "alone": [asdict(r) for r in by_itself]},
        }, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
