"""Charts for the reports: server-rendered SVG from pygal, each with its accessible title and
description and the table of its data beside it (the table is the chart's text alternative and
what a screen reader, a printout and a CSV read).

pygal draws; this module only configures it and then makes its output fit the pages: the
interactive parts pygal adds for its JavaScript tooltips (an inline configuration script and an
invisible tooltip layer with a ``style`` attribute) are removed, because the pages work without
JavaScript and their Content Security Policy allows no inline script; the chart's ``<style>``
element gets the page's CSP nonce; the SVG gets ``role="img"`` and a ``<title>`` and ``<desc>``
it is labelled by.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree import ElementTree as ET

import pygal
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

from childindex.reports.suppression import Count

# pygal builds its tree with plain tag names and an ``xmlns`` attribute, so the elements added
# here are plain too (a namespaced tag would be serialised with whatever prefix another library
# registered for SVG: WeasyPrint registers one).

# GOV.UK Design System colours (blue, green, orange, purple, turquoise, dark grey).
GOVUK_COLOURS = ("#1d70b8", "#00703c", "#f47738", "#4c2c92", "#28a197", "#505a5f")

_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#0b0c0c",
    foreground_strong="#0b0c0c",
    foreground_subtle="#505a5f",
    colors=GOVUK_COLOURS,
    font_family='"GDS Transport", arial, sans-serif',
    title_font_size=18,
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=14,
    value_font_size=12,
)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Count | float | None]


@dataclass(frozen=True)
class Chart:
    """A chart and its data: ``svg`` for the page, ``labels`` × ``series`` for the table."""

    title: str
    description: str
    labels: Sequence[str]
    series: Sequence[Series]
    svg: SafeString
    unit: str = ""

    @property
    def rows(self) -> list[tuple[str, list]]:
        return [(label, [s.values[i] for s in self.series]) for i, label in enumerate(self.labels)]


def _plotted(value: Count | float | None) -> float | None:
    """A suppressed count is not plotted (a gap, as in its table: "fewer than 5")."""
    if isinstance(value, Count):
        return None if value.suppressed else value.value
    return value


def _accessible(tree: ET.Element, *, title: str, description: str, nonce: str | None) -> str:
    chart_id = f"chart-{uuid.uuid4().hex[:12]}"
    for parent in list(tree.iter()):
        for child in list(parent):
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag.endswith("script") or "tooltip" in child.get("class", "").split():
                parent.remove(child)
            elif tag.endswith("style") and nonce:
                child.set("nonce", str(nonce))
    for element in tree.iter():
        element.attrib.pop("style", None)
        if element.get("class", "").startswith("plot tooltip-overlay"):
            element.clear()
    # pygal's own <title> (the chart title) goes; ours is the first child, with a <desc>.
    for child in list(tree):
        if child.tag == "title":
            tree.remove(child)
    title_el = ET.Element("title", id=f"{chart_id}-title")
    title_el.text = title
    desc_el = ET.Element("desc", id=f"{chart_id}-desc")
    desc_el.text = description
    tree.insert(0, desc_el)
    tree.insert(0, title_el)
    tree.set("role", "img")
    tree.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    tree.set("id", chart_id)
    tree.set("class", "app-chart__svg")
    return ET.tostring(tree, encoding="unicode")


def _render(chart: pygal.graph.graph.Graph, **kwargs) -> SafeString:
    return mark_safe(_accessible(chart.render_tree(), **kwargs))  # noqa: S308 - pygal's SVG


def bar_chart(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    nonce: str | None = None,
    unit: str = "",
    horizontal: bool = False,
) -> Chart:
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    return _chart(kind, title, description, labels, series, nonce, unit)


def line_chart(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    nonce: str | None = None,
    unit: str = "",
) -> Chart:
    return _chart(pygal.Line, title, description, labels, series, nonce, unit)


def _chart(kind, title, description, labels, series, nonce, unit) -> Chart:
    graph = kind(
        title=title,
        style=_STYLE,
        js=[],
        disable_xml_declaration=True,
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        x_label_rotation=45 if len(labels) > 12 else 0,
        print_values=False,
        width=800,
        height=400,
        y_title=unit or None,
        allow_interruptions=True,
        show_minor_x_labels=len(labels) <= 24,
        x_labels_major_every=max(1, len(labels) // 12) if len(labels) > 24 else None,
        truncate_label=-1,
        no_data_text="No data",
        margin_bottom=10,
    )
    graph.x_labels = list(labels)
    for s in series:
        graph.add(s.name, [_plotted(v) for v in s.values])
    svg = _render(graph, title=title, description=description, nonce=nonce)
    return Chart(
        title=title, description=description, labels=labels, series=series, svg=svg, unit=unit
    )
