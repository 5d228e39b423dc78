"""The knowledge base: loads the data once and answers questions."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from knowledge import cache, texts
from knowledge.answer import Answer
from knowledge.answer_types import answers, given, wanted
from knowledge.entries import Entry
from knowledge.forms import asks_past_statistics, is_opinion, without_arithmetic, without_chat
from knowledge.loader import (
    DATA_DIR,
    load_entries,
    load_near_misses,
    load_rounds,
    load_scope,
    load_synonyms,
    read_yaml,
    validate,
)
from knowledge.matcher import Matcher, MatchWeights, Scored
from knowledge.normalize import (
    FUNCTION_CHARACTERS,
    Analysis,
    Normalizer,
    alternation,
    detect_language,
    is_cjk,
    is_unigram,
    runs,
)
from knowledge.passages import PassageIndex, quote
from knowledge.personal import personal_kind
from knowledge.rounds import ALL_ROUNDS, Round, RoundDetector, Scope

RANKED = 60  # entries kept per question: enough to see the same topic in every round
OTHERS_DATA_GAP = 12  # characters allowed between "someone else" and the data asked for
# Characters that do not end or start a school's name: grammar, verbs of studying and applying, time and
# family words ("今年的轉學考", "我弟的二技", "在國外念大學"), and what ends a department's or a place's name.
NOT_IN_NAME = FUNCTION_CHARACTERS | frozenset("念讀唸上考報進的各之等及於年月日天週期次屆學爸媽弟妹哥姊姐兒孩")
NOT_NAME_END = frozenset("系所班組部科國州省市縣區外")  # departments; countries and places ("韓國的大學", "海外大學", "應外二技")
# After a school's name: the applicant's background (studies, credentials), not the school asked about.
BACKGROUND = re.compile(r"\s?(?:的)?(?:畢業|肄業|休學|退學|在學|學生|同學|讀|念|唸|修|學歷|學位|文憑|學籍|成績)")
MAX_QUESTION = 1000  # characters looked at; a pasted document should not cost more than a question
# A question this close (cosine) to one the office listed in near_misses.yaml, and closer to it than to any
# entry's question, is that listed question, typed a little differently: it is never answered.
LISTED_NEAR_MISS = 0.9


class Calibration(BaseModel):
    """Turns a match into a confidence and a decision; fitted on dev by `python -m bench.faq_eval --calibrate`.

    confidence = sigmoid(slope * score + margin * (score - best other topic's score)
                         + unknown * (share of the question's words no entry and no brochure uses)
                         + uncovered * (share of the question's subject characters the best entry does not
                                        explain)
                         + near_miss * (how much closer a question the brochures do not answer is than the
                                        best entry's closest question)
                         + nearest_miss * (the cosine of that question, closer or not) + intercept)

    Unsure when the confidence is below `threshold`, the score below `min_score`, the unknown share above
    `max_unknown`, or more than `max_unknown_words` Latin-script words are unknown (see `Decision`). Another
    round's entry on the same topic scoring within `ambiguity` of the best (and confident on its own) makes
    the answer depend on the round. A brochure paragraph is quoted when it covers at least `passage` of the
    question. The defaults are a recent fit, used when calibration.yaml is missing.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    slope: float = 3.0
    margin: float = 6.0
    unknown: float = -1.2
    uncovered: float = 0.0
    near_miss: float = 0.0
    nearest_miss: float = 0.0
    intercept: float = -0.4
    threshold: float = 0.475
    passage: float = 0.7
    ambiguity: float = 1.0
    min_score: float = 0.15
    max_unknown: float = 0.8
    max_unknown_words: int = 0
    weights: MatchWeights = MatchWeights()

    def confidence(self, decision: Decision) -> float:
        """Probability-like confidence in 0..1 that the best entry is the right one."""
        z = self.slope * decision.score + self.margin * decision.margin + self.unknown * decision.unknown
        z += self.uncovered * decision.uncovered + self.near_miss * decision.near_miss
        z += self.nearest_miss * decision.nearest_miss + self.intercept
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class Decision:
    """The matcher's view of a question before it becomes an Answer (the evaluation calibrates on it)."""

    lang: str
    rounds: frozenset[str] | None
    analysis: Analysis
    ranked: tuple[Scored, ...]
    score: float
    margin: float
    unknown: float
    # Latin-script subject words no entry and no brochure uses ("visa", "dog"). A whole word is a surer sign of
    # an uncovered subject than an unknown Chinese bigram, which is often just two neighbouring words.
    unknown_words: tuple[str, ...] = ()
    # Share of the question's subject characters (question words left out) that the best entry does not
    # explain: a character is explained when a bigram around it, or its whole word, occurs in the entry's
    # questions or answers. Off-topic questions share a word or two with some entry ("學校旁邊的溜冰場幾點開"
    # meets the entries on 學校) but leave most of their subject unexplained; counting characters rather than
    # bigrams keeps the seams between two known words (報到|那天) from counting twice.
    uncovered: float = 0.0
    # The kinds of fact the question asks for (money, a duration, a date, a place, a count, a phone number:
    # see knowledge/answer_types.py); an answer giving none of them is about another question.
    wants: frozenset[str] = frozenset()
    # How much closer (in cosine) the nearest question of near_misses.yaml is than the best entry's nearest
    # question, 0 when it is not closer: "面試難不難" shares 面試 with the interview entries but is one of the
    # questions the brochures leave open.
    near_miss: float = 0.0
    # The cosine of the nearest question of near_misses.yaml (of the best entry's round) itself: a question
    # near one the brochures leave open is less likely answered even when an entry's question is nearer.
    nearest_miss: float = 0.0


class KnowledgeBase:
    """Curated entries, brochure passages and the rules that turn a question into an Answer."""

    def __init__(
        self,
        rounds: Sequence[Round],
        entries: Sequence[Entry],
        normalizer: Normalizer,
        scope: Scope,
        passages: PassageIndex,
        calibration: Calibration,
        near_misses: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.rounds = list(rounds)
        self.entries = list(entries)
        self.calibration = calibration
        self.passages = passages
        self._normalizer = normalizer
        self._rounds_by_id = {r.id: r for r in self.rounds}
        self._detector = RoundDetector(self.rounds, scope, normalizer.fold)
        # Requests we refuse and subjects no document covers: "unsure" whatever the entries say.
        self._refuse = alternation(normalizer.fold(phrase) for phrase in scope.refuse)
        self._off_topic = alternation(normalizer.fold(phrase) for phrase in (*scope.off_topics, *scope.incidental))
        self._others_data = others_data_pattern(scope, normalizer.fold)
        # "北護的二技", "東華大學碩專班": an unknown name right before a programme or ending a school's name.
        programme = alternation(normalizer.fold(w) for w in (*scope.programmes, *scope.school_words)).pattern
        self._programme = re.compile(f"的?(?:{programme})")
        # Question words say what kind of answer is wanted, not what about: they do not count when judging
        # whether the knowledge base knows the subject ("黃金現在多少錢" knows 多少錢, not 黃金).
        self._question_tokens = frozenset(
            token for word in normalizer.question_words for token, _ in normalizer.analyze(word).tokens
        )
        # The same words inside a run of Chinese ("宿舍有沒有空調"): their characters are not subject either.
        self._question_cjk = alternation(
            w for w in (normalizer.fold(word) for word in normalizer.question_words) if is_cjk(w)
        )
        # English words of daily life (mom, tomorrow, max) say nothing about the subject either: no brochure uses
        # them, yet they must not make a question unsure as an unknown English word does.
        self._everyday = frozenset(
            run for word in normalizer.everyday for run in runs(normalizer.fold(word)) if not is_cjk(run)
        )
        # Chinese words of daily life (我媽, 明天, 上班, 沒空): an unexplained one is neither subject nor unknown
        # ("報到那天我要上班 可以叫我哥去嗎" is about a proxy at check-in); one an entry uses still counts as usual.
        everyday_cjk = [w for w in (normalizer.fold(word) for word in normalizer.everyday) if is_cjk(w)]
        self._everyday_cjk = alternation(everyday_cjk)
        self._everyday_bigrams = frozenset(w[i : i + 2] for w in everyday_cjk for i in range(len(w) - 1))
        # Near misses are matched with round and school names stripped, as entry questions are; one that names
        # another school or another round ("台科大的碩專班報名截止日" listed under a round of 北科) would then
        # look like an ordinary question of its own round, and the school and round rules refuse it anyway.
        own_round = [
            (round_id, question) for round_id, question in near_misses
            if not (mention := self._detector.detect(normalizer.fold(question))).other_school
            and mention.rounds <= {round_id}
        ]
        self.matcher = Matcher(self.entries, self.analyze_entry_question, normalizer.analyze, own_round)
        self._by_id = {e.id: e for e in self.entries}
        # The kinds of fact each entry's answer gives (an amount, a date ...), for the answer-type check: read
        # on first use (about 0.3 ms an entry), so loading does not pay for entries no typed question meets.
        self._gives: dict[str, frozenset[str]] = {}

    def without_subject_lists(self) -> KnowledgeBase:
        """A copy that ignores `off_topics` and `incidental` (the refusals stay).

        The evaluation uses it to see how well the matcher's own features tell an uncovered subject: a new
        subject, one nobody has listed yet, meets only those.
        """
        copy = object.__new__(KnowledgeBase)
        copy.__dict__.update(self.__dict__)
        copy._off_topic = re.compile("(?!)")
        return copy

    def entry(self, entry_id: str) -> Entry:
        """The entry with this id (KeyError if none)."""
        return self._by_id[entry_id]

    def round(self, round_id: str) -> Round:
        """The round with this id (KeyError if none)."""
        return self._rounds_by_id[round_id]

    def analyze_entry_question(self, question: str) -> Analysis:
        """Normalise an entry's question the way applicants' questions are (round names removed).

        Off-topic words are left out too: a phrasing that tells the applicant's circumstances ("我兒子住宿舍
        通訊地址要填哪裡") must not make 宿舍 a word the entries know, or a question about the dorm would
        match that entry instead of meeting an unknown word.
        """
        folded = self._off_topic.sub(" ", self._normalizer.fold(question))
        return self._normalizer.analyze(self._detector.detect(folded).stripped, folded=True)

    def ask(self, question: str, round_id: str | None = None, lang: str | None = None) -> Answer:
        """Answer `question`; `round_id` is the round known from the applicant's registration, if any."""
        routed = self.decide(question, round_id, lang)
        return routed if isinstance(routed, Answer) else self.answer_for(routed)

    def decide(
        self,
        question: str,
        round_id: str | None = None,
        lang: str | None = None,
        weights: MatchWeights | None = None,
    ) -> Answer | Decision:
        """The first half of `ask`: an Answer when the question is routed (personal, another school, a
        request we refuse), else the ranking.

        `weights` overrides the calibrated ones (the evaluation uses it to tune them).
        """
        question = question[:MAX_QUESTION]
        lang = lang if lang in ("zh", "en") else detect_language(question)
        rest, summed = without_arithmetic(unicodedata.normalize("NFKC", question).lower())
        folded = self._normalizer.fold(rest)
        if (
            self._refuse.search(folded) or self._off_topic.search(folded) or self._others_data.search(folded)
            or is_opinion(folded) or asks_past_statistics(folded)
        ):
            return Answer("unsure", "", lang)
        folded, chatted = without_chat(folded)
        chatted = chatted or summed
        if chatted and not self._has_subject(folded):
            return Answer("unsure", "", lang)
        kind = personal_kind(folded)
        if kind:
            return Answer("personal", texts.personal_text(lang), lang, personal_kind=kind, confidence=1.0)
        mention = self._detector.detect(folded)
        if mention.other_school or (not mention.school_named and self._names_unknown_school(folded)):
            return Answer("unsure", "", lang)
        if mention.rounds:
            rounds: frozenset[str] | None = mention.rounds
        elif round_id and round_id in self._rounds_by_id:
            rounds = frozenset({round_id})
        else:  # no round, or one the knowledge base has no documents for: ask which round if it matters
            rounds = None
        analysis = self._without_everyday(self._normalizer.analyze(mention.stripped, folded=True))
        ranked = tuple(self.matcher.rank(analysis, rounds, weights or self.calibration.weights, limit=RANKED))
        unknown = self._unknown_share(analysis)
        words = self._unknown_words(analysis)
        wants = wanted(analysis.folded)
        if not ranked:
            return Decision(lang, rounds, analysis, ranked, 0.0, 0.0, unknown, words, 1.0, wants)
        best = ranked[0]
        other = next((s.score for s in ranked[1:] if s.entry.topic != best.entry.topic), 0.0)
        uncovered = self._uncovered(analysis, self.matcher.entry_tokens(best.entry.id))
        nearest_miss = self.matcher.near_miss(analysis, best.entry.round)
        if nearest_miss >= LISTED_NEAR_MISS and nearest_miss > best.cosine:
            return Answer("unsure", "", lang, candidates=tuple(s.entry.id for s in ranked[:3]))
        near_miss = max(0.0, nearest_miss - best.cosine)
        return Decision(
            lang, rounds, analysis, ranked, best.score, best.score - other, unknown, words, uncovered, wants,
            near_miss, nearest_miss,
        )

    def _without_everyday(self, analysis: Analysis) -> Analysis:
        """The analysis without the tokens of everyday words (我媽, 那天, 上班) that no entry's question uses.

        Unknown tokens weigh the most (see IdfTable), so "報到那天我沒空 可以叫我媽去嗎" would otherwise score low
        against every entry, as if it were about an uncovered subject.
        """
        daily: set[str] = set()
        for run in runs(analysis.text):
            marks = matched(self._everyday_cjk, run)
            # The word's characters and bigrams, and the seams with its neighbours (天我 in 那天我沒空).
            daily.update(ch for ch, mark in zip(run, marks, strict=True) if mark)
            daily.update(run[i : i + 2] for i in range(len(run) - 1) if marks[i] or marks[i + 1])
        if not daily:
            return analysis
        tokens = tuple((t, w) for t, w in analysis.tokens if t not in daily or self.matcher.asked(t))
        return replace(analysis, tokens=tokens)

    def _known(self, token: str) -> bool:
        return self.matcher.knows(token) or self.passages.knows(token)

    def _has_subject(self, folded: str) -> bool:
        # Anything left besides question words, stop words and single characters.
        tokens = self._normalizer.analyze(folded, folded=True).tokens
        return any(not is_unigram(t) and t not in self._question_tokens for t, _ in tokens)

    def _names_unknown_school(self, folded: str) -> bool:
        """A name no entry and no brochure uses, right before a programme or a school word ("北護的二技",
        "暨南大學"): another school, like the ones listed in scope.yaml.

        The two characters before the programme (and an optional 的) are the name's end; they must be a word
        we do not know, made of no grammar, time or family character, and must start a word: when the
        character before them forms a known or everyday word with the first ("工管|系進修部", "可以|轉二技",
        "我兒子|台科大"), the two are only the seam between known words. A name followed by 畢業, 的學生, 念 ... is where the applicant
        studies ("我東南科大畢業"), which a transfer applicant may well say.
        """
        for match in self._programme.finditer(folded):
            start = match.start()
            if BACKGROUND.match(folded, match.end()):
                continue  # "我是東南科大的學生 可以報轉學考嗎": where the applicant studies, not what is asked
            name = folded[max(0, start - 2) : start]
            if len(name) < 2 or not is_cjk(name) or set(name) & NOT_IN_NAME or name[-1] in NOT_NAME_END:
                continue
            if self._known(name) or name in self._question_tokens:
                continue
            before = folded[start - 3 : start - 2] if start >= 3 else ""
            seam = before + name[0]
            if before and is_cjk(before) and (self._known(seam) or seam in self._everyday_bigrams):
                continue  # "我兒子|台科大": an everyday word ends just before a name we know
            return True
        return False

    def _unknown_words(self, analysis: Analysis) -> tuple[str, ...]:
        # Letters only: numbers (amounts, years) are not subjects; two letters are too short to mean much.
        return tuple(
            t for t, _ in analysis.tokens
            if len(t) > 2 and t.isascii() and t.isalpha() and t not in self._question_tokens
            and t not in self._everyday and not self._known(t)
        )

    def _uncovered(self, analysis: Analysis, known: Container[str]) -> float:
        # Subject units: the characters of Chinese runs and Latin words of three letters or more; question
        # words, numbers and unexplained characters of grammar (我, 要, 還 ...) do not count.
        # See Decision.uncovered.
        total = missing = 0
        for run in runs(analysis.text):
            if run in self._question_tokens or run[0].isdigit():
                continue
            if not is_cjk(run):
                if len(run) > 2 and run not in self._everyday:
                    total += 1
                    missing += run not in known
                continue
            if run in known:
                total += len(run)
                continue
            explained = [False] * len(run)
            for i in range(len(run) - 1):
                if run[i : i + 2] in known or run[i : i + 2] in self._question_tokens:
                    explained[i] = explained[i + 1] = True
            everyday = matched(self._everyday_cjk, run)  # not subject unless an entry explains them
            asking = matched(self._question_cjk, run)  # question words (有沒有 in 宿舍有沒有空調): never subject
            for char, ok, daily, ask in zip(run, explained, everyday, asking, strict=True):
                if ask:
                    continue
                if ok or (char not in FUNCTION_CHARACTERS and not daily):
                    total += 1
                    missing += not ok
        return missing / total if total else 1.0

    def _unknown_share(self, analysis: Analysis) -> float:
        # Words neither the entries nor the brochures ever use (宿舍, parking) mark a question we cannot answer;
        # the share is taken over the subject words (question words left out).
        weights = {
            t: self.matcher.idf(t) for t, _ in analysis.tokens
            if not is_unigram(t) and t not in self._question_tokens and t not in self._everyday
        }
        total = sum(weights.values())
        if not total:
            return 1.0
        unknown = sum(w for t, w in weights.items() if not self._known(t))
        everyday = sum(w for t, w in weights.items() if t in self._everyday_bigrams and not self._known(t))
        return (unknown - everyday) / (total - everyday) if total > everyday else 1.0

    def answer_for(self, decision: Decision, calibration: Calibration | None = None) -> Answer:
        """The second half of `ask`: turn a ranking into an Answer (`calibration` overrides for tuning)."""
        calibration = calibration or self.calibration
        lang, ranked = decision.lang, decision.ranked
        confidence = calibration.confidence(decision)
        if (
            not ranked or confidence < calibration.threshold or decision.score < calibration.min_score
            or decision.unknown > calibration.max_unknown
            or len(decision.unknown_words) > calibration.max_unknown_words
        ):
            return self._fallback(decision, confidence, calibration.passage, calibration.max_unknown)
        best = ranked[0].entry
        if decision.wants and not answers(decision.wants, self._answer_gives(best)):
            # The question asks for a kind of fact (幾分鐘, 多少錢, where) the entry's answer does not give: it
            # is about the same words but another question ("面試幾分鐘" against the interview's date).
            return self._fallback(decision, confidence, calibration.passage, calibration.max_unknown)
        # The answer depends on the round when, in another round, the same topic scores close to the best and
        # would be answered with confidence on its own; a question naming something only one round has
        # (a department, a form) scores clearly lower elsewhere.
        other_topic = decision.score - decision.margin
        close = {
            s.entry.round for s in ranked
            if s.entry.topic == best.topic and s.entry.round != ALL_ROUNDS
            and s.score >= ranked[0].score - calibration.ambiguity
            and calibration.confidence(replace(decision, score=s.score, margin=s.score - other_topic))
            >= calibration.threshold
        }
        topic_rounds = [r.id for r in self.rounds if r.id in close]  # in the order of rounds.yaml
        if best.round != ALL_ROUNDS and len(topic_rounds) > 1:
            names = [self._rounds_by_id[r].name(lang) for r in topic_rounds]
            return Answer(
                "ambiguous", texts.ambiguous_text(lang, names), lang, round=None,
                confidence=confidence, candidates=tuple(topic_rounds), topic=best.topic,
            )
        return Answer(
            "answered", best.answer.get(lang), lang, entry_id=best.id, round=best.round,
            confidence=confidence, sources=(best.source.model_dump(),), topic=best.topic,
        )

    def _answer_gives(self, entry: Entry) -> frozenset[str]:
        kinds = self._gives.get(entry.id)
        if kinds is None:
            kinds = self._gives[entry.id] = given(f"{entry.answer.zh}\n{entry.answer.en}")
        return kinds

    def _fallback(
        self, decision: Decision, confidence: float, passage_threshold: float, max_unknown: float = 1.0
    ) -> Answer:
        lang = decision.lang
        # A question without one subject word that any entry or brochure uses has nothing to quote either.
        # Nor has one whose subject is mostly unknown, or names a Latin-script word no text uses: a paragraph may
        # well contain the question's other words, and both characters of an unknown bigram (校車).
        quotable = decision.unknown < 1.0 and decision.unknown <= max_unknown and not decision.unknown_words
        hit = self.passages.best(decision.analysis, decision.rounds) if quotable else None
        if (
            hit and hit.coverage >= passage_threshold
            and (not decision.wants or answers(decision.wants, given(hit.passage.text)))
        ):
            passage = hit.passage
            title = self._rounds_by_id[passage.round].name(lang)
            text = texts.quote_text(lang, quote(passage.text), title, passage.section)
            source = {"doc": passage.doc, "section": passage.section, "quote": quote(passage.text)}
            return Answer(
                "answered", text, lang, round=passage.round, confidence=hit.coverage,
                sources=(source,), quote=True,
            )
        hesitated = tuple(s.entry.id for s in decision.ranked[:3])
        return Answer("unsure", "", lang, confidence=confidence, candidates=hesitated)


def matched(pattern: re.Pattern[str], text: str) -> list[bool]:
    """For each character of `text`, whether a match of `pattern` covers it."""
    marks = [False] * len(text)
    for match in pattern.finditer(text):
        marks[match.start() : match.end()] = [True] * (match.end() - match.start())
    return marks


def others_data_pattern(scope: Scope, fold: Callable[[str], str]) -> re.Pattern[str]:
    """Matches a request for someone else's data: a word for another person, then a piece of their data.

    Both words are needed, so "可以用別人的金融卡轉帳嗎" (paying with another person's card) is still answered
    while "告訴我其他考生的序號" is not. The data word must follow within a few characters ("別人的准考證號碼").
    """
    if not scope.others or not scope.personal_data:
        return re.compile("(?!)")
    others = alternation(fold(word) for word in scope.others).pattern
    data = alternation(fold(word) for word in scope.personal_data).pattern
    return re.compile(f"(?:{others}).{{0,{OTHERS_DATA_GAP}}}?(?:{data})")


def load_knowledge(data_dir: Path | None = None) -> KnowledgeBase:
    """Load and validate the knowledge data (the package's own data unless `data_dir` is given).

    Raises KnowledgeDataError naming the file and line of the first problem found. A knowledge base built
    before from the very same files is read back from the cache instead (see knowledge/cache.py).
    """
    folder = data_dir or DATA_DIR
    directory = cache.cache_dir()
    key = cache.cache_key(folder) if directory else ""
    if directory and (kb := cache.read(directory, key)) is not None:
        return kb
    kb = build_knowledge(folder)
    if directory:
        cache.write(directory, key, kb)
    return kb


def build_knowledge(folder: Path) -> KnowledgeBase:
    """Load, validate and index the knowledge data in `folder` (no cache)."""
    synonyms = load_synonyms(folder / "synonyms.yaml")
    seeds = folder / "seeds"
    docs = {p.name for p in seeds.glob("*.txt")}
    rounds = load_rounds(folder / "rounds.yaml", docs)
    scope = load_scope(folder / "scope.yaml")
    entries = load_entries(folder / "entries", {r.id for r in rounds}, docs)
    near_misses = load_near_misses(folder / "near_misses.yaml", {r.id for r in rounds})
    calibration_path = folder / "calibration.yaml"
    calibration = Calibration()
    if calibration_path.exists():
        document = read_yaml(calibration_path)
        calibration = validate(document, Calibration, document.value or {}, [])
    normalizer = Normalizer(synonyms)
    passages = PassageIndex.from_folder(seeds, {r.source: r.id for r in rounds}, normalizer.analyze)
    return KnowledgeBase(rounds, entries, normalizer, scope, passages, calibration, near_misses)
