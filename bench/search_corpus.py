"""A synthetic corpus for bench/search: made-up words whose frequencies follow a Zipf curve,
as the words of real text do, so that some words are in almost every post and most are rare.
Deterministic (seeded): two runs make the same blog."""

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

VOCABULARY = 40_000
ZIPF_S = 1.0
BODY_WORDS = 150
TITLE_WORDS = 6
_POOL = 1_000_000
_ONSETS = "b c d f g h k l m n p r s t v z br dr gr kl pl st tr".split()
_VOWELS = "a e i o u ai ou".split()


def vocabulary(size: int = VOCABULARY, seed: int = 15) -> list[str]:
    """Distinct made-up words of 2-4 syllables (`bakotu`), none an English stop word."""
    rng = random.Random(seed)
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < size:
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


@dataclass(frozen=True)
class Doc:
    title: str
    body: str
    tags: list[str]


def documents(count: int, *, seed: int = 15) -> Iterator[Doc]:
    words = vocabulary()
    cumulative, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1.0 / rank**ZIPF_S
        cumulative.append(total)
    rng = random.Random(seed)
    # Weighted draws are slow in pure Python: draw a pool once, then pick from it uniformly.
    pool = rng.choices(words, cum_weights=cumulative, k=_POOL)
    titles = rng.choices(words[50:], cum_weights=cumulative[: len(words) - 50], k=_POOL // 10)
    tags = words[200:230]
    for _ in range(count):
        body = rng.choices(pool, k=BODY_WORDS)
        # Titles are drawn from the rarer part of the curve, as titles are.
        title = rng.choices(titles, k=TITLE_WORDS)
        yield Doc(" ".join(title).capitalize(), " ".join(body), rng.sample(tags, 2))


def document_frequencies(docs: list[Doc]) -> Counter:
    df: Counter = Counter()
    for doc in docs:
        df.update(set(doc.body.split()) | set(doc.title.lower().split()))
    return df


def pick_word(df: Counter, target: int) -> str:
    """The word whose number of posts is closest to `target`."""
    return min(df, key=lambda word: (abs(df[word] - target), word))
