"""Built-in task "synonyms": the label is decided by one word from a large vocabulary of synonyms.

Weak supervisors train on examples that use a few common words per class ("good", "bad"); the
strong_train, val and test splits mostly use held-out synonyms ("superb", "dreadful") that a
from-scratch model has never seen but a pretrained encoder embeds near the common ones. So a weak
model is right on the common words and near chance on the rest, while a strong student can
generalise from the weak labels it gets right: weak-to-strong generalisation becomes observable.

Params: ``labels`` "sentiment" (2 classes, default) or "topic" (4 classes); ``seen_frac`` the
fraction of examples that use common words and may go to weak_train (default 0.5); ``noise`` the
fraction of gold labels flipped at random (default 0).
"""

from __future__ import annotations

import numpy as np

from ws2s.tasks.base import TextDataset

# class name -> (common words the weak supervisors see, held-out synonyms)
VOCABULARIES = {
    "sentiment": {
        "negative": (
            ["bad", "terrible", "awful", "horrible"],
            ["dreadful", "atrocious", "abysmal", "lousy", "miserable", "dismal", "appalling", "pathetic",
             "disappointing", "unpleasant", "inferior", "shoddy", "horrendous", "ghastly", "wretched",
             "deplorable", "rotten", "disgusting", "hideous", "mediocre", "tedious", "dull", "nasty", "poor"],
        ),
        "positive": (
            ["good", "great", "excellent", "wonderful"],
            ["superb", "terrific", "marvelous", "splendid", "delightful", "outstanding", "brilliant",
             "magnificent", "fabulous", "exceptional", "pleasant", "enjoyable", "awesome", "impressive",
             "stellar", "perfect", "charming", "remarkable", "admirable", "glorious", "exquisite", "lovely",
             "fantastic", "amazing"],
        ),
    },
    "topic": {
        "sports": (["football", "soccer", "tennis", "basketball"],
                   ["rugby", "cricket", "hockey", "volleyball", "baseball", "golf", "badminton", "boxing",
                    "skiing", "wrestling", "marathon", "swimming"]),
        "food": (["pizza", "pasta", "bread", "soup"],
                 ["sushi", "burrito", "lasagna", "croissant", "dumplings", "noodles", "pancakes", "omelette",
                  "curry", "salad", "sandwich", "risotto"]),
        "music": (["guitar", "piano", "song", "concert"],
                  ["violin", "drums", "saxophone", "trumpet", "cello", "melody", "orchestra", "symphony",
                   "flute", "harmonica", "choir", "jazz"]),
        "weather": (["rain", "snow", "storm", "wind"],
                    ["hail", "drizzle", "thunder", "blizzard", "fog", "sleet", "hurricane", "tornado", "frost",
                     "monsoon", "lightning", "downpour"]),
    },
}

TEMPLATES = {
    "sentiment": [
        "the {noun} was {w}",
        "honestly the {noun} seemed {w} to me",
        "we all thought the {noun} was {w}",
        "what a {w} {noun} that was",
        "my friend said the {noun} is {w}",
        "i would call the {noun} {w}",
    ],
    "topic": [
        "we talked about {w} for a while",
        "she wrote a long post about {w}",
        "the {noun} mentioned {w} again",
        "everyone at the {noun} was discussing {w}",
        "i read an article on {w}",
        "there was a question about {w}",
    ],
}
NOUNS = ["movie", "meal", "hotel", "service", "show", "book", "trip", "game", "phone", "room", "staff",
         "weekend", "class", "party", "lecture", "office", "team", "camera", "garden", "album"]
FILLERS = ["", "", "", "last week", "on monday", "after a long day", "in the city", "this time",
           "to be fair", "as expected", "again", "yesterday", "at the end", "for once"]


def generate(size: int, seed: int, labels: str = "sentiment", seen_frac: float = 0.5, noise: float = 0.0) -> TextDataset:
    if labels not in VOCABULARIES:
        raise ValueError(f"task.params.labels: unknown vocabulary {labels!r}; choose from {', '.join(VOCABULARIES)}")
    if not 0 < seen_frac < 1:
        raise ValueError(f"task.params.seen_frac: {seen_frac} must lie strictly between 0 and 1")
    vocab, templates = VOCABULARIES[labels], TEMPLATES[labels]
    classes = list(vocab)
    rng = np.random.default_rng(seed)
    texts, ys, seen = [], [], []
    for _ in range(size):
        y = int(rng.integers(len(classes)))
        common, held_out = vocab[classes[y]]
        is_seen = bool(rng.random() < seen_frac)
        words = common if is_seen else held_out
        w = words[int(rng.integers(len(words)))]
        body = templates[int(rng.integers(len(templates)))].format(w=w, noun=NOUNS[int(rng.integers(len(NOUNS)))])
        pre, post = FILLERS[int(rng.integers(len(FILLERS)))], FILLERS[int(rng.integers(len(FILLERS)))]
        texts.append(" ".join(p for p in (pre, body, post) if p))
        if rng.random() < noise:
            y = int(rng.integers(len(classes)))
        ys.append(y)
        seen.append(is_seen)
    return TextDataset(texts, ys, classes, weak_eligible=seen, meta={"seen_frac": seen_frac, "labels": labels})
