"""An offline accessibility check of the page a browser shows: landmarks, headings, text alternatives, labels,
link texts, the page's language and colour contrast (WCAG 2.x), run in the browser through WebDriver.

The checks are JavaScript run by ``execute_script``: they see the page as the browser built it, with the styles it
computed (``getComputedStyle``), so colour contrast is measured on the colours a person sees. Nothing is
downloaded: the rules are a subset of what axe-core checks, written for the pages of this project.

What each rule asks:

* ``lang``: ``<html>`` has a ``lang`` that is a language tag.
* ``title``: the document has a non-empty ``<title>``.
* ``landmarks``: exactly one ``main`` landmark, one ``banner`` (a ``<header>`` outside article, aside, main, nav
  and section, or ``role="banner"``), one ``contentinfo`` (the same for ``<footer>``); several ``navigation``
  landmarks each have a name of their own; no visible text outside the landmarks.
* ``headings``: exactly one ``h1``; going down, a heading is at most one level below the one before it.
* ``images``: every ``<img>`` has an ``alt`` (empty only when ``role="presentation"`` or ``aria-hidden``), every
  element with ``role="img"`` a text alternative (``aria-label``, ``aria-labelledby`` that names elements with
  text, or, for SVG, a ``<title>`` child).
* ``labels``: every form control a person fills in has a label (``<label for>``, a wrapping ``<label>``,
  ``aria-label``, ``aria-labelledby`` or ``title``); every button a text.
* ``links``: every link has a text (its text, an image's ``alt``, ``aria-label``, ``aria-labelledby``, an SVG
  ``<title>`` or ``title``).
* ``ids``: no ``id`` is used twice (labels and ``aria-labelledby`` would point at the wrong element), and every
  ``id`` that ``aria-labelledby``, ``aria-describedby``, ``aria-controls`` or ``<label for>`` names exists.
* ``contrast``: every visible text (HTML text and SVG ``<text>``) has a contrast ratio of at least 4.5 against its
  background, 3 for large text (24 px, or 18.66 px bold). The background is the first opaque background colour of
  the element or its ancestors, alpha-blended; text over a background image is reported as unmeasurable. SVG text
  is measured with its ``fill`` against the background of the ``<svg>`` (or the HTML around it), or against the
  ``<rect>`` it is drawn on: a sibling before it in the same group that contains the middle of the text. Text on
  other shapes (circles, paths) is measured against the background of the ``<svg>``: keep labels beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The checks, as one function body for ``execute_script``: it returns a list of ``[rule, where, message]``.
SCRIPT = r"""
const findings = [];
const report = (rule, el, message) => findings.push([rule, describe(el), message]);

function describe(el) {
  if (!el || !el.tagName) return "document";
  let s = el.tagName.toLowerCase();
  if (el.id) s += "#" + el.id;
  else if (el.classList && el.classList.length) s += "." + Array.from(el.classList).join(".");
  const text = (el.textContent || "").trim().replace(/\s+/g, " ");
  if (text) s += " \u201c" + text.slice(0, 60) + "\u201d";
  return s;
}

function hidden(el) {
  for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
    if (e.hidden || e.getAttribute("aria-hidden") === "true") return true;
    const cs = getComputedStyle(e);
    if (cs.display === "none" || cs.visibility === "hidden") return true;
  }
  return false;
}

function rendered(el) {
  return !hidden(el) && el.getClientRects().length > 0;
}

function textOfIds(el, attribute) {
  const ids = (el.getAttribute(attribute) || "").split(/\s+/).filter(Boolean);
  return ids.map((id) => { const t = document.getElementById(id); return t ? t.textContent.trim() : ""; })
            .join(" ").trim();
}

function svgTitle(el) {
  const t = Array.from(el.children).find((c) => c.tagName.toLowerCase() === "title");
  return t ? t.textContent.trim() : "";
}

function accessibleName(el) {
  const label = (el.getAttribute("aria-label") || "").trim();
  if (label) return label;
  const by = textOfIds(el, "aria-labelledby");
  if (by) return by;
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === 3) { parts.push(node.textContent); return; }
    if (node.nodeType !== 1 || node.getAttribute("aria-hidden") === "true") return;
    const tag = node.tagName.toLowerCase();
    if (tag === "img") { parts.push(node.getAttribute("alt") || ""); return; }
    if (tag === "title" && node.namespaceURI === "http://www.w3.org/2000/svg") { parts.push(node.textContent); return; }
    if (node.getAttribute("role") === "img") {
      parts.push(node.getAttribute("aria-label") || textOfIds(node, "aria-labelledby") || svgTitle(node));
      return;
    }
    node.childNodes.forEach(walk);
  };
  el.childNodes.forEach(walk);
  const text = parts.join(" ").replace(/\s+/g, " ").trim();
  if (text) return text;
  return (el.getAttribute("title") || "").trim();
}

// ---- lang and title
const lang = document.documentElement.getAttribute("lang") || "";
if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(lang)) {
  report("lang", document.documentElement, "<html> has no valid lang attribute (" + JSON.stringify(lang) + ")");
}
if (!document.title.trim()) report("title", document.documentElement, "the document has no <title>");

// ---- landmarks
const sectioning = "article, aside, main, nav, section, [role=main], [role=article], [role=complementary], " +
  "[role=navigation], [role=region]";
const landmarks = {
  main: [], banner: [], contentinfo: [], navigation: [], search: [], complementary: [], region: [], form: [],
};
for (const el of document.body.querySelectorAll("*")) {
  if (hidden(el)) continue;
  const tag = el.tagName.toLowerCase();
  let role = el.getAttribute("role");
  if (!role) {
    if (tag === "main") role = "main";
    else if (tag === "nav") role = "navigation";
    else if (tag === "aside") role = "complementary";
    else if ((tag === "header" || tag === "footer") && !(el.parentElement && el.parentElement.closest(sectioning)))
      role = tag === "header" ? "banner" : "contentinfo";
    else if (tag === "section" && (el.hasAttribute("aria-label") || el.hasAttribute("aria-labelledby")) &&
             accessibleName(el)) role = "region";
  }
  if (role && landmarks[role]) landmarks[role].push(el);
}
const expectOne = (kind, what) => {
  const n = landmarks[kind].length;
  if (n !== 1) report("landmarks", document.body, n + " " + kind + " landmarks" + what + "; a page has exactly one");
};
expectOne("main", "");
expectOne("banner", " (a page <header>)");
expectOne("contentinfo", " (a page <footer>)");
for (const kind of ["navigation", "region", "search", "complementary"]) {
  const names = landmarks[kind].map((el) => el.getAttribute("aria-label") || textOfIds(el, "aria-labelledby"));
  if (landmarks[kind].length > 1) {
    names.forEach((name, i) => {
      if (!name || names.indexOf(name) !== i) {
        report("landmarks", landmarks[kind][i], "several " + kind + " landmarks need distinct names (aria-label)");
      }
    });
  }
}
const inLandmark = (node) => {
  for (let e = node.parentElement; e; e = e.parentElement) {
    if (Object.values(landmarks).some((list) => list.includes(e))) return true;
  }
  return false;
};
{
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const parent = n.parentElement;
    if (!n.textContent.trim() || !parent) continue;
    if (["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"].includes(parent.tagName)) continue;
    if (!rendered(parent)) continue;
    if (!inLandmark(n)) report("landmarks", parent, "text outside every landmark (header, nav, main, footer)");
  }
}

// ---- headings
const headings = Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6, [role=heading]"))
  .filter((h) => !hidden(h));
const levelOf = (h) => h.getAttribute("role") === "heading"
  ? parseInt(h.getAttribute("aria-level") || "2", 10)
  : parseInt(h.tagName[1], 10);
const ones = headings.filter((h) => levelOf(h) === 1);
if (ones.length !== 1) {
  report("headings", ones[1] || document.body, ones.length + " h1 headings; a page has exactly one");
}
let previous = 0;
for (const h of headings) {
  const level = levelOf(h);
  if (!h.textContent.trim() && !accessibleName(h)) report("headings", h, "an empty heading");
  if (level > previous + 1) {
    const before = previous ? "h" + previous : "the start of the page";
    report("headings", h, "h" + level + " follows " + before + ": a level is skipped");
  }
  previous = level;
}

// ---- images and role="img"
for (const img of document.querySelectorAll("img")) {
  const presentational = ["presentation", "none"].includes(img.getAttribute("role")) ||
    img.getAttribute("aria-hidden") === "true";
  const what = "<img src=\"" + img.getAttribute("src") + "\">";
  if (!img.hasAttribute("alt")) report("images", img, what + " has no alt attribute");
  else if (!img.getAttribute("alt").trim() && !presentational && !accessibleName(img)) {
    report("images", img, what + " has an empty alt but is not marked decorative");
  }
}
for (const el of document.querySelectorAll("[role=img]")) {
  if (hidden(el)) continue;
  const name = (el.getAttribute("aria-label") || "").trim() || textOfIds(el, "aria-labelledby") ||
    (el.namespaceURI === "http://www.w3.org/2000/svg" ? svgTitle(el) : "") || (el.getAttribute("title") || "").trim();
  if (!name) {
    report("images", el, "role=\"img\" without a text alternative (aria-label, aria-labelledby or an SVG <title>)");
  }
}

// ---- form controls and buttons
for (const control of document.querySelectorAll("input, select, textarea")) {
  const type = (control.getAttribute("type") || "text").toLowerCase();
  if (control.tagName === "INPUT" && ["hidden", "submit", "reset", "button", "image"].includes(type)) continue;
  if (hidden(control)) continue;
  const labelled = (control.getAttribute("aria-label") || "").trim() || textOfIds(control, "aria-labelledby") ||
    Array.from(control.labels || []).map((l) => l.textContent.trim()).join("") ||
    (control.getAttribute("title") || "").trim();
  if (!labelled) {
    const what = control.tagName.toLowerCase() + " name=\"" + (control.getAttribute("name") || "") + "\"";
    report("labels", control, "a form control (" + what + ") without a label");
  }
}
for (const button of document.querySelectorAll("button, input[type=submit], input[type=reset], input[type=button]")) {
  if (hidden(button)) continue;
  const name = button.tagName === "INPUT"
    ? (button.value || button.getAttribute("aria-label") || "").trim()
    : accessibleName(button);
  if (!name) report("labels", button, "a button without text");
}

// ---- links
for (const a of document.querySelectorAll("a[href], [role=link]")) {
  if (hidden(a)) continue;
  if (!accessibleName(a)) report("links", a, "a link without text (href " + (a.getAttribute("href") || "") + ")");
}

// ---- ids
{
  const seen = new Map();
  for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  for (const [id, n] of seen) {
    if (n > 1) report("ids", document.getElementById(id), "the id \"" + id + "\" is used " + n + " times");
  }
  for (const attribute of ["aria-labelledby", "aria-describedby", "aria-controls"]) {
    for (const el of document.querySelectorAll("[" + attribute + "]")) {
      for (const id of el.getAttribute(attribute).split(/\s+/).filter(Boolean)) {
        if (!seen.has(id)) report("ids", el, attribute + " names a missing id \"" + id + "\"");
      }
    }
  }
  for (const label of document.querySelectorAll("label[for]")) {
    if (!seen.has(label.htmlFor)) report("ids", label, "<label for> names a missing id \"" + label.htmlFor + "\"");
  }
}

// ---- contrast
function parseColour(value) {
  const m = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(value || "");
  if (!m) return null;
  let alpha = m[4] === undefined ? 1 : (m[4].endsWith("%") ? parseFloat(m[4]) / 100 : parseFloat(m[4]));
  return [parseFloat(m[1]), parseFloat(m[2]), parseFloat(m[3]), alpha];
}
function blend(top, bottom) {
  const a = top[3];
  return [top[0] * a + bottom[0] * (1 - a), top[1] * a + bottom[1] * (1 - a), top[2] * a + bottom[2] * (1 - a), 1];
}
function luminance(c) {
  const channel = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
}
function ratio(a, b) {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}
// The background behind el: its own and its ancestors' background colours, blended from the top down to white
// (the canvas). null when an image lies behind the text, which no colour computation can judge.
function backgroundOf(el) {
  const layers = [];
  for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
    const cs = getComputedStyle(e);
    if (cs.backgroundImage && cs.backgroundImage !== "none") return null;
    const c = parseColour(cs.backgroundColor);
    if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  let colour = [255, 255, 255, 1];
  for (const layer of layers.reverse()) colour = blend(layer, colour);
  return colour;
}
function svgShapeBehind(text) {
  // a filled rect drawn before the text in the same group, under the text's anchor point
  let box;
  try { box = text.getBBox(); } catch (e) { return null; }
  const x = box.x + box.width / 2, y = box.y + box.height / 2;
  for (let s = text.previousElementSibling; s; s = s.previousElementSibling) {
    if (s.tagName.toLowerCase() !== "rect") continue;
    const rx = parseFloat(s.getAttribute("x") || "0"), ry = parseFloat(s.getAttribute("y") || "0");
    const rw = parseFloat(s.getAttribute("width") || "0"), rh = parseFloat(s.getAttribute("height") || "0");
    if (x >= rx && x <= rx + rw && y >= ry && y <= ry + rh) {
      const fill = parseColour(getComputedStyle(s).fill);
      const opacity = parseFloat(getComputedStyle(s).fillOpacity || "1");
      if (fill) return [fill[0], fill[1], fill[2], fill[3] * opacity];
    }
  }
  return null;
}
{
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const done = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    let el = n.parentElement;
    if (!n.textContent.trim() || !el || done.has(el)) continue;
    if (["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "OPTION"].includes(el.tagName)) continue;
    const svg = el.namespaceURI === "http://www.w3.org/2000/svg";
    if (svg && ["title", "desc", "style"].includes(el.tagName.toLowerCase())) continue;
    if (svg) { const t = el.closest("text"); if (!t) continue; el = t; if (done.has(el)) continue; }
    done.add(el);
    if (!rendered(el)) continue;
    const cs = getComputedStyle(el);
    if (parseFloat(cs.opacity) === 0) continue;
    let fg = parseColour(svg ? cs.fill : cs.color);
    if (svg && (cs.fill === "none" || !fg)) continue;
    if (!fg) { report("contrast", el, "the text colour " + cs.color + " cannot be read"); continue; }
    let bg = backgroundOf(el);
    if (svg && bg) {
      const shape = svgShapeBehind(el);
      if (shape) bg = blend(shape, bg);
    }
    if (bg === null) {
      report("contrast", el, "text over a background image: its contrast cannot be measured");
      continue;
    }
    if (fg[3] < 1) fg = blend(fg, bg);
    const size = parseFloat(cs.fontSize);
    const bold = parseInt(cs.fontWeight, 10) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    const needed = large ? 3 : 4.5;
    const r = ratio(fg, bg);
    if (r < needed) {
      const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
      const what = "text " + hex(fg) + " on " + hex(bg) + ", " + size + "px" + (bold ? " bold" : "");
      report("contrast", el, "contrast " + r.toFixed(2) + ":1 (" + what + "); needs " + needed + ":1");
    }
  }
}
return findings;
"""


@dataclass(frozen=True)
class Finding:
    """One accessibility problem: the rule, the element (tag, id or classes, the start of its text), what is wrong."""

    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.where}: {self.message}"


def check(driver: Any) -> list[Finding]:
    """The accessibility findings of the page ``driver`` (a selenium WebDriver) shows now: empty when it passes."""
    return [Finding(*row) for row in driver.execute_script(SCRIPT)]


__all__ = ["SCRIPT", "Finding", "check"]
