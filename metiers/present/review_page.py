"""The review page of a candidate: what changes for readers, and the cards before and after.

It is given plain rows (the changes, in every language) and the two card pages of each métier
already rendered (metiers.present.page), so it reads no file: the command composes it.
"""

from __future__ import annotations

from metiers.methodology import display
from metiers.methodology.figures import FIGURE_OF
from metiers.present.page import TEMPLATES


def _worded(row: dict, lang: str) -> dict:
    """A change with its figure's label and its cause in words, in `lang`."""
    figure = FIGURE_OF.get(row["indicator"])
    label = display.label(figure.card_line, lang) if figure else row["indicator"]
    if row["indicator"].endswith("_p90"):
        label += " (P90)"
    cause = row.get("cause")
    return row | {
        "label": label,
        "cause_words": display.release_label(f"cause_{cause}", lang) if cause else "",
    }


def render(
    changes: list[dict],
    cards: dict[str, tuple[str | None, str]],
    candidate: str,
    released: str | None,
    lang: str,
    titles: dict[str, str] | None = None,
) -> str:
    """The page: `changes` as from metiers.publish.changes.changes_in_languages, `cards` the
    released (None when the métier is new) and candidate pages per slug, `titles` the
    métiers' titles in `lang`."""
    metiers = [
        {
            "slug": slug,
            "title": (titles or {}).get(slug, slug),
            "changes": [_worded(row, lang) for row in changes if row["slug"] == slug],
            "before": before,
            "after": after,
        }
        for slug, (before, after) in cards.items()
    ]
    flagged = sum(1 for row in changes if row.get("flagged"))
    return TEMPLATES.get_template("review.html.j2").render(
        lang=lang,
        title=display.release_label("review_title", lang, version=candidate),
        summary=display.release_label("notes_count", lang, count=flagged)
        if flagged
        else display.release_label("notes_none", lang),
        none=display.release_label("review_none", lang),
        before_label=display.release_label("review_before", lang, version=released or "—"),
        after_label=display.release_label("review_after", lang, version=candidate),
        languages=display.LANGUAGES,
        headings={
            name: display.release_label(f"review_{name}", lang)
            for name in ("indicator", "reason", "cause")
        },
        metiers=metiers,
    )
