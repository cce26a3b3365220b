"""Loading and validating the editable vocabulary files under ``data/text/``.

* ``taxonomy.yaml``  — topic codes, names and the phrasings that put a remark under each topic;
* ``sentiment.yaml`` — sentiment words and patterns, negators, degree words, contrast and sarcasm markers;
* ``mining_dict.txt`` — extra words for jieba (keywords and topic discovery);
* ``stopwords.txt``  — words discovery and keywords ignore.

A file with a mistake is refused with a message naming the file and the line (codes ``vocab.*`` in
:mod:`xinfang.errors`). Files are read on first use and cached; an edited file (new mtime) is read again.
Files are looked up in ``<data_dir>/text/`` first (``XINFANG_DATA_DIR``), then in the shipped ``data/text/``.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from xinfang.errors import DataFileError

TEXT_DIR = "text"
TAXONOMY_FILE = "taxonomy.yaml"
LEXICON_FILE = "sentiment.yaml"
MINING_DICT_FILE = "mining_dict.txt"
STOPWORDS_FILE = "stopwords.txt"

UNCLASSIFIED = "未归类"
_CODE = re.compile(r"^C\d{2,3}$")
_SLOT = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)(\*?)>")
_MAX_EXPANSIONS = 50_000


def data_file(name: str) -> Path:
    """Path of a vocabulary file: the configured data folder first, then the shipped copy."""
    from xinfang.config import PROJECT_ROOT, settings

    candidates = [Path(settings().data_dir) / TEXT_DIR / name, PROJECT_ROOT / "data" / TEXT_DIR / name]
    for path in candidates:
        if path.is_file():
            return path
    raise DataFileError("data.file_missing", file=str(candidates[-1]))


# -- YAML with line numbers -----------------------------------------------------------------------

class _Node:
    """Helpers over PyYAML's composed nodes; every error names ``file`` and the node's line."""

    def __init__(self, file: str) -> None:
        self.file = file

    @staticmethod
    def line(node) -> int:
        return node.start_mark.line + 1

    def fail(self, code: str, node=None, line: int | None = None, **params: object) -> DataFileError:
        return DataFileError(code, file=self.file, line=line if line is not None else self.line(node),
                             **params)

    def kind(self, node) -> tuple[str, str]:
        import yaml

        if isinstance(node, yaml.MappingNode):
            return "映射（键: 值）", "a mapping"
        if isinstance(node, yaml.SequenceNode):
            return "列表", "a list"
        if node is None or (isinstance(node, yaml.ScalarNode) and node.value == "" and node.style is None):
            return "空值", "nothing"
        return f"文字「{node.value}」", f"the text {node.value!r}"

    def mapping(self, node, key: str, allowed: dict[str, bool]) -> dict[str, object]:
        """Children of a mapping node by key; ``allowed`` maps key → required."""
        import yaml

        if not isinstance(node, yaml.MappingNode):
            found, found_en = self.kind(node)
            raise self.fail("vocab.wrong_type", node, key=key, expected="映射（键: 值）", found=found,
                            expected_en="a mapping", found_en=found_en)
        out: dict[str, object] = {}
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            name = str(key_node.value)
            if name not in allowed:
                raise self.fail("vocab.unknown_key", key_node, key=name, known=", ".join(allowed))
            if name in out:
                raise self.fail("vocab.duplicate", key_node, value=name, other_line=lines[name])
            out[name] = value_node
            lines[name] = self.line(key_node)
        for name, required in allowed.items():
            if required and name not in out:
                raise self.fail("vocab.missing_key", node, key=name)
        return out

    def free_mapping(self, node, key: str) -> list[tuple[str, object, int]]:
        """A mapping whose keys are names chosen by the editor (sections, slots)."""
        self.mapping_type_check(node, key)
        seen: dict[str, int] = {}
        out = []
        for key_node, value_node in node.value:
            name = str(key_node.value)
            if name in seen:
                raise self.fail("vocab.duplicate", key_node, value=name, other_line=seen[name])
            seen[name] = self.line(key_node)
            out.append((name, value_node, self.line(key_node)))
        return out

    def mapping_type_check(self, node, key: str) -> None:
        import yaml

        if not isinstance(node, yaml.MappingNode):
            found, found_en = self.kind(node)
            raise self.fail("vocab.wrong_type", node, key=key, expected="映射（键: 值）", found=found,
                            expected_en="a mapping", found_en=found_en)

    def scalar(self, node, key: str) -> str:
        import yaml

        if not isinstance(node, yaml.ScalarNode) or (node.value == "" and node.style is None):
            found, found_en = self.kind(node)
            raise self.fail("vocab.wrong_type", node, key=key, expected="文字", found=found,
                            expected_en="text", found_en=found_en)
        return str(node.value).strip()

    def number(self, node, key: str, lo: float, hi: float) -> float:
        raw = self.scalar(node, key)
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not lo <= value <= hi:
            raise self.fail("vocab.bad_number", node, key=key, value=raw, lo=lo, hi=hi)
        return value

    def boolean(self, node, key: str) -> bool:
        raw = self.scalar(node, key).lower()
        if raw in {"true", "yes", "on"}:
            return True
        if raw in {"false", "no", "off"}:
            return False
        raise self.fail("vocab.wrong_type", node, key=key, expected="true 或 false", found=f"「{raw}」",
                        expected_en="true or false", found_en=repr(raw))

    def words(self, node, key: str) -> list[tuple[str, int]]:
        """A list of words, each with its line. Empty entries are refused."""
        import yaml

        if not isinstance(node, yaml.SequenceNode):
            found, found_en = self.kind(node)
            raise self.fail("vocab.wrong_type", node, key=key, expected="词语列表", found=found,
                            expected_en="a list of words", found_en=found_en)
        out = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode):
                found, found_en = self.kind(item)
                raise self.fail("vocab.wrong_type", item, key=key, expected="词语", found=found,
                                expected_en="a word", found_en=found_en)
            word = str(item.value).strip()
            if not word:
                raise self.fail("vocab.empty_word", item)
            out.append((word, self.line(item)))
        return out


def _compose(path: Path):
    """Parse ``path`` into a node tree; a syntax error names the file and line."""
    import yaml

    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise DataFileError("vocab.yaml_syntax", file=file, line=line, detail="不是 UTF-8 编码") from exc
    try:
        # libyaml's parser when PyYAML has it (about 5× faster; the same nodes, marks and errors)
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        detail = exc.problem or exc.context or "无法解析"
        raise DataFileError("vocab.yaml_syntax", file=file, line=line, detail=detail) from exc
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML marks nearly every error
        raise DataFileError("vocab.yaml_syntax", file=file, line=1, detail=str(exc)) from exc
    if root is None:
        raise DataFileError("vocab.missing_key", file=file, line=1, key="version")
    return root


# -- cache ----------------------------------------------------------------------------------------

_LOCK = threading.RLock()
_CACHE: dict[tuple[str, str], tuple[tuple[int, int], object]] = {}


def _cached(kind: str, path: Path, build):
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    key = (kind, str(path.resolve()))
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        value = build(path)
        _CACHE[key] = (stamp, value)
        return value


def clear_cache() -> None:
    """Forget every loaded vocabulary (the next use reads the files again)."""
    with _LOCK:
        _CACHE.clear()


def _normalize_words(words: list[str]) -> list[str]:
    from xinfang.text.normalize import normalize_many

    return normalize_many(words)


# -- taxonomy -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Topic:
    code: str
    name: str
    words: tuple[str, ...]          # analysis form, as matched
    lines: tuple[int, ...]          # source line of each word
    description: str = ""
    context_words: tuple[str, ...] = ()   # count only together with one of `words`


@dataclass(frozen=True, eq=False)
class Taxonomy:
    file: str
    version: str
    unclassified: str
    topics: tuple[Topic, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.topics)

    def name_of(self, code: str) -> str:
        for topic in self.topics:
            if topic.code == code:
                return topic.name
        return code


def load_taxonomy(path: str | os.PathLike[str] | None = None) -> Taxonomy:
    """Read and validate a taxonomy file (default: the configured ``taxonomy.yaml``), cached."""
    return _cached("taxonomy", Path(path) if path else data_file(TAXONOMY_FILE), _build_taxonomy)


def _build_taxonomy(path: Path) -> Taxonomy:
    root = _compose(path)
    n = _Node(str(path))
    top = n.mapping(root, "taxonomy", {"version": True, "unclassified": False, "topics": True})
    version = n.scalar(top["version"], "version")
    unclassified = n.scalar(top["unclassified"], "unclassified") if "unclassified" in top else UNCLASSIFIED
    import yaml

    topics_node = top["topics"]
    if not isinstance(topics_node, yaml.SequenceNode) or not topics_node.value:
        found, found_en = n.kind(topics_node)
        raise n.fail("vocab.wrong_type", topics_node, key="topics", expected="类别列表", found=found,
                     expected_en="a list of topics", found_en=found_en)
    raw_topics = []
    codes: dict[str, int] = {}
    names: dict[str, int] = {}
    for item in topics_node.value:
        fields = n.mapping(item, "topics", {"code": True, "name": True, "words": True, "context_words": False,
                                            "description": False})
        code = n.scalar(fields["code"], "code")
        if not _CODE.match(code):
            raise n.fail("vocab.bad_code", fields["code"], value=code)
        if code in codes:
            raise n.fail("vocab.duplicate", fields["code"], value=code, other_line=codes[code])
        codes[code] = n.line(fields["code"])
        name = n.scalar(fields["name"], "name")
        if name in names:
            raise n.fail("vocab.duplicate", fields["name"], value=name, other_line=names[name])
        names[name] = n.line(fields["name"])
        description = n.scalar(fields["description"], "description") if "description" in fields else ""
        context = n.words(fields["context_words"], "context_words") if "context_words" in fields else []
        raw_topics.append((code, name, description, n.words(fields["words"], "words"), context))
    # Normalise every word in one batch, then check length and duplicates per topic.
    flat = [w for _, _, _, words, context in raw_topics for w, _ in words + context]
    normalised = iter(_normalize_words(flat))
    topics = []
    for code, name, description, words, context in raw_topics:
        seen: dict[str, int] = {}
        kept, lines, kept_context = [], [], []
        for number, (word, line) in enumerate(words + context):
            norm = next(normalised)
            if len(norm) < 2:
                raise n.fail("vocab.word_too_short", line=line, value=word, min_len=2)
            if norm in seen:
                raise n.fail("vocab.duplicate", line=line, value=word, other_line=seen[norm])
            seen[norm] = line
            if number < len(words):
                kept.append(norm)
                lines.append(line)
            else:
                kept_context.append(norm)
        topics.append(Topic(code, name, tuple(kept), tuple(lines), description, tuple(kept_context)))
    return Taxonomy(str(path), version, unclassified, tuple(topics))


# -- sentiment lexicon ----------------------------------------------------------------------------

# Scoring parameters with defaults and bounds. The file may override any of them.
SCORING_DEFAULTS: dict[str, tuple[float, float, float]] = {
    "scale": (1.5, 0.1, 20.0),                 # score = raw / (|raw| + scale)
    "negative_below": (-0.2, -1.0, 0.0),       # score <= this → 负面
    "positive_above": (0.2, 0.0, 1.0),         # score >= this → 正面
    "negated_negative_factor": (0.5, 0.0, 2.0),  # "不差": a negated negative word counts this much positive
    "negation_window": (1, 0, 10),             # max characters between a negator (or its degree word) and
                                               # the word it negates: "不满意", "没有及时", "不是很满意"
    "degree_window": (2, 0, 10),               # max characters between a degree word and its word
    "contrast_before_factor": (0.5, 0.0, 2.0),  # weight of what comes before 但是/可是 in the sentence
    "contrast_after_factor": (1.5, 0.0, 5.0),   # weight of what follows it
    "question_positive_factor": (0.0, 0.0, 1.0),  # positive words in a question ("…好了以后还能…吗?")
                                                  # count this much: a question is not praise
}


@dataclass(frozen=True)
class Entry:
    """One pattern of the sentiment automaton."""

    kind: str            # "word", "negator", "degree", "contrast_after", "contrast_initial",
                         # "contrast_before", "particle", "irrealis", "sarcasm", "neutral"
    weight: float        # signed sentiment weight (word, sarcasm) or multiplier (degree)
    label: str           # cue label shown to the user, e.g. 抱怨句式
    negatable: bool = False
    irrealis: bool = False       # starts wish mode for the rest of the sentence (demands, conditionals)
    survives_wish: bool = False  # a positive word that still counts in wish mode (继续保持)
    ironic: bool = False         # a degree word ("真", "可真") that can mark irony when the remark complains
    line: int = 0


@dataclass(frozen=True, eq=False)
class Lexicon:
    file: str
    version: str
    scoring: dict[str, float]
    entries: dict[str, Entry] = field(repr=False)

    def __len__(self) -> int:
        return len(self.entries)


_LEXICON_KEYS = {
    "version": True, "scoring": False, "slots": False, "sections": True, "negators": False,
    "degree": False, "contrast": False, "question_particles": False, "irrealis_markers": False,
    "sarcasm": False, "neutral": False,
}


def load_lexicon(path: str | os.PathLike[str] | None = None) -> Lexicon:
    """Read and validate a sentiment lexicon file (default: the configured ``sentiment.yaml``), cached."""
    return _cached("lexicon", Path(path) if path else data_file(LEXICON_FILE), _build_lexicon)


def _build_lexicon(path: Path) -> Lexicon:
    root = _compose(path)
    n = _Node(str(path))
    top = n.mapping(root, "sentiment", _LEXICON_KEYS)
    version = n.scalar(top["version"], "version")

    scoring = {k: v[0] for k, v in SCORING_DEFAULTS.items()}
    if "scoring" in top:
        for key, node in n.mapping(top["scoring"], "scoring", dict.fromkeys(SCORING_DEFAULTS, False)).items():
            _, lo, hi = SCORING_DEFAULTS[key]
            scoring[key] = n.number(node, key, lo, hi)

    slots: dict[str, list[str]] = {}
    if "slots" in top:
        for name, node, _line in n.free_mapping(top["slots"], "slots"):
            slots[name] = [w for w, _ in n.words(node, name)]

    # (raw word, line, Entry without line) in file order
    pending: list[tuple[str, int, Entry]] = []

    def add(words: list[tuple[str, int]], kind: str, weight: float, label: str, **flags: bool) -> None:
        entry = Entry(kind, weight, label, **flags)
        for word, line in words:
            pending.append((word, line, entry))

    section_keys = {"label": True, "weight": True, "negatable": False, "irrealis": False,
                    "survives_wish": False, "words": True}
    for name, node, _line in n.free_mapping(top["sections"], "sections"):
        fields = n.mapping(node, name, section_keys)
        label = n.scalar(fields["label"], "label")
        weight = n.number(fields["weight"], "weight", -5.0, 5.0)
        flags = {key: n.boolean(fields[key], key)
                 for key in ("negatable", "irrealis", "survives_wish") if key in fields}
        add(n.words(fields["words"], "words"), "word", weight, label, **flags)
    if "negators" in top:
        add(n.words(top["negators"], "negators"), "negator", -1.0, "否定")
    if "degree" in top:
        import yaml

        degree_node = top["degree"]
        if not isinstance(degree_node, yaml.SequenceNode):
            found, found_en = n.kind(degree_node)
            raise n.fail("vocab.wrong_type", degree_node, key="degree", expected="列表", found=found,
                         expected_en="a list", found_en=found_en)
        for group in degree_node.value:
            fields = n.mapping(group, "degree", {"multiplier": True, "ironic": False, "words": True})
            mult = n.number(fields["multiplier"], "multiplier", 0.0, 5.0)
            ironic = n.boolean(fields["ironic"], "ironic") if "ironic" in fields else False
            add(n.words(fields["words"], "words"), "degree", mult, "程度", ironic=ironic)
    if "contrast" in top:
        fields = n.mapping(top["contrast"], "contrast",
                           {"before": False, "after": False, "after_clause_initial": False})
        if "before" in fields:
            add(n.words(fields["before"], "before"), "contrast_before", 0.0, "让步")
        if "after" in fields:
            add(n.words(fields["after"], "after"), "contrast_after", 0.0, "转折")
        if "after_clause_initial" in fields:
            add(n.words(fields["after_clause_initial"], "after_clause_initial"), "contrast_initial", 0.0,
                "转折")
    if "question_particles" in top:
        add(n.words(top["question_particles"], "question_particles"), "particle", 0.0, "反问")
    if "irrealis_markers" in top:
        add(n.words(top["irrealis_markers"], "irrealis_markers"), "irrealis", 0.0, "假设", irrealis=True)
    if "sarcasm" in top:
        fields = n.mapping(top["sarcasm"], "sarcasm", {"label": True, "weight": True, "words": True})
        label = n.scalar(fields["label"], "label")
        weight = n.number(fields["weight"], "weight", -5.0, 0.0)
        add(n.words(fields["words"], "words"), "sarcasm", weight, label)
    if "neutral" in top:
        add(n.words(top["neutral"], "neutral"), "neutral", 0.0, "")

    # Expand <slot> / <slot*> (optional) templates, then normalise everything in one batch.
    expanded: list[tuple[str, int, Entry, bool]] = []
    for word, line, entry in pending:
        entry = dataclasses.replace(entry, line=line)
        names = _SLOT.findall(word)
        if not names:
            expanded.append((word, line, entry, True))
            continue
        choices = []
        for slot, optional in names:
            if slot not in slots:
                raise n.fail("vocab.bad_slot", line=line, value=word, slot=slot,
                             known=", ".join(slots) or "（无）")
            choices.append(([""] if optional else []) + slots[slot])
        parts = _SLOT.split(word)  # text, slot, flag, text, slot, flag, ..., text
        texts = parts[0::3]
        count = 0
        for combo in itertools.product(*choices):
            count += 1
            if count > _MAX_EXPANSIONS:
                raise n.fail("vocab.bad_number", line=line, key="slots", value=word, lo=1, hi=_MAX_EXPANSIONS)
            built = texts[0] + "".join(c + t for c, t in zip(combo, texts[1:], strict=True))
            expanded.append((built, line, entry, False))
    normalised = _normalize_words([e[0] for e in expanded])

    entries: dict[str, Entry] = {}
    explicit_of: dict[str, bool] = {}
    for (word, line, entry, explicit), norm in zip(expanded, normalised, strict=True):
        if not norm:
            raise n.fail("vocab.empty_word", line=line)
        if norm in entries:
            if explicit and explicit_of[norm]:
                raise n.fail("vocab.duplicate", line=line, value=word, other_line=entries[norm].line)
            if explicit:  # an explicit entry beats a template expansion
                entries[norm] = entry
                explicit_of[norm] = True
            continue
        entries[norm] = entry
        explicit_of[norm] = explicit
    return Lexicon(str(path), version, scoring, entries)


# -- plain word lists (jieba mining dictionary, stopwords) ----------------------------------------

@dataclass(frozen=True)
class MiningDict:
    file: str
    entries: tuple[tuple[str, int | None, str | None], ...]


def load_mining_dict(path: str | os.PathLike[str] | None = None) -> MiningDict:
    """Read a jieba dictionary (``word [freq] [tag]`` per line, ``#`` comments), cached."""
    return _cached("mining", Path(path) if path else data_file(MINING_DICT_FILE), _build_mining_dict)


def _read_lines(path: Path) -> list[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise DataFileError("vocab.dict_line", file=str(path), line=line, value="（不是 UTF-8 编码）") from exc
    out = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if line:
            out.append((number, line))
    return out


def _build_mining_dict(path: Path) -> MiningDict:
    entries = []
    seen: dict[str, int] = {}
    for number, line in _read_lines(path):
        parts = line.split()
        word = parts[0]
        freq: int | None = None
        tag: str | None = None
        ok = 1 <= len(parts) <= 3
        if ok and len(parts) >= 2:
            if parts[1].isdecimal() and int(parts[1]) > 0:
                freq = int(parts[1])
                tag = parts[2] if len(parts) == 3 else None
            elif len(parts) == 2 and parts[1].isalpha() and parts[1].isascii():
                tag = parts[1]
            else:
                ok = False
        if tag is not None and not (tag.isascii() and tag.isalpha()):
            ok = False
        if not ok:
            raise DataFileError("vocab.dict_line", file=str(path), line=number, value=line)
        if word in seen:
            raise DataFileError("vocab.duplicate", file=str(path), line=number, value=word,
                                other_line=seen[word])
        seen[word] = number
        entries.append((word, freq, tag))
    return MiningDict(str(path), tuple(entries))


def load_stopwords(path: str | os.PathLike[str] | None = None) -> frozenset[str]:
    """Read a stopword list (one word per line, ``#`` comments), normalised, cached."""
    def build(p: Path) -> frozenset[str]:
        words = [line for _, line in _read_lines(p)]
        return frozenset(_normalize_words(words))

    return _cached("stopwords", Path(path) if path else data_file(STOPWORDS_FILE), build)


def vocabulary_versions() -> dict[str, str]:
    """The ``version`` fields of the taxonomy and the sentiment lexicon in use.

    Read from the files' top-level ``version`` without building the vocabularies (building the lexicon
    costs a fresh process half a second; a dashboard asks only whether stored analyses are current).
    A file whose version cannot be read this way is loaded in full, which reports what is wrong."""
    return {"taxonomy_version": _cached("taxonomy-version", data_file(TAXONOMY_FILE), _declared_version(load_taxonomy)),
            "lexicon_version": _cached("lexicon-version", data_file(LEXICON_FILE), _declared_version(load_lexicon))}


def _declared_version(load):
    def read(path: Path) -> str:
        import yaml

        root = _compose(path)
        if isinstance(root, yaml.MappingNode):
            for key, value in root.value:
                if isinstance(key, yaml.ScalarNode) and key.value == "version" and isinstance(value, yaml.ScalarNode) \
                        and str(value.value).strip():
                    return str(value.value).strip()
        return load(path).version

    return read
