// Small DOM helpers. Text always goes in through textContent (h's string
// children), never as HTML.
import { t, lang } from './i18n.js';
import { fetchRaw, personName } from './api.js';

/** h('tag.class#id', {attrs}, ...children) builds an element. */
export function h(spec, attrs, ...kids) {
  const m = spec.match(/^([a-z0-9]+)((?:[.#][\w-]+)*)$/i);
  const el = document.createElement(m ? m[1] : spec);
  if (m && m[2]) {
    for (const part of m[2].match(/[.#][\w-]+/g)) {
      if (part[0] === '.') el.classList.add(part.slice(1));
      else el.id = part.slice(1);
    }
  }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    kids.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, kids);
  return el;
}

function append(el, kids) {
  for (const k of kids) {
    if (k === undefined || k === null || k === false) continue;
    if (Array.isArray(k)) append(el, k);
    else el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
}

/** svg(tag, attrs, ...kids) builds an SVG element. */
export function svg(tag, attrs, ...kids) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  append(el, kids);
  return el;
}

/** Money in fen shown as yuan: 123450 → ¥1,234.50. */
export function yuan(fen) {
  if (fen === undefined || fen === null) return '';
  const neg = fen < 0;
  const abs = Math.abs(Math.trunc(fen));
  const whole = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + '¥' + whole + '.' + String(abs % 100).padStart(2, '0');
}

/** Parses a yuan amount typed by a person ("1,234.5") into fen, or null. */
export function parseYuan(s) {
  const m = String(s).trim().replace(/[¥,\s]/g, '').match(/^(\d{1,10})(?:\.(\d{1,2}))?$/);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
}

/** A time shown in the browser's zone, in the console's language. */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return d.toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-GB', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

/** A person's name for an id, in a span carrying the id as a tooltip. */
export function person(id) {
  return h('span.person', { title: id }, personName(id));
}

/** A table: cols [{label, cell(row)}], rows; empty shows a note. */
export function table(cols, rows, opts) {
  opts = opts || {};
  if (!rows || rows.length === 0) return h('p.empty', opts.empty || t('none'));
  return h('table', { class: opts.class || '' },
    opts.caption ? h('caption', opts.caption) : null,
    h('thead', h('tr', cols.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : '' }, c.label)))),
    h('tbody', rows.map((r) => h('tr', { class: opts.rowClass ? opts.rowClass(r) : '' },
      cols.map((c) => h('td', { class: c.num ? 'num' : '' }, c.cell(r)))))));
}

/** A labelled form field: label text and a control. */
export function field(label, control) {
  if (!control.id) control.id = 'f-' + Math.random().toString(36).slice(2, 9);
  return h('div.field', h('label', { for: control.id }, label), control);
}

/** A <select> of [value, text] options. */
export function select(options, attrs) {
  return h('select', attrs || {}, options.map(([v, text]) => h('option', { value: v }, text)));
}

/** A status message area; show(text, kind) updates it (role=status). */
export function notice() {
  const el = h('p.notice', { role: 'status', 'aria-live': 'polite' });
  el.show = (text, kind) => {
    el.textContent = text || '';
    el.className = 'notice' + (kind ? ' ' + kind : '');
  };
  return el;
}

/** The message to show for a failed call. */
export function errText(e) {
  if (e && e.code) return t('err.' + e.code, { fallback: e.message || e.code });
  return t('err.network');
}

/** A badge. */
export const badge = (text, kind) => h('span.badge', { class: 'badge ' + (kind || '') }, text);

/**
 * An <img> filled from a blob route fetched with the Authorization header
 * (never a token in a URL): the bytes become an object URL. A photo still
 * being processed (202) shows as pending.
 */
export function photo(sha, variant, alt) {
  const img = h('img', { alt: alt || t('photo'), class: 'photo ' + (variant || '') });
  const path = '/v1/blobs/' + sha + (variant === 'thumb' ? '/thumb' : variant === 'original' ? '/original' : '');
  fetchRaw(path).then(async (res) => {
    if (res.status === 202) {
      img.replaceWith(badge(t('photo.pending'), 'warn'));
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    img.src = url;
    img.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
  }).catch(() => img.replaceWith(badge(t('photo.unavailable'), 'bad')));
  return img;
}

/** Shows a photo's display copy in a dialog (supervisors get a link to the original). */
export function openPhoto(sha, original) {
  const dlg = h('dialog.photo-dialog', { 'aria-label': t('photo') },
    h('form', { method: 'dialog' }, h('button', { type: 'submit', class: 'close' }, t('close'))),
    photo(sha, 'display'),
    original ? h('button', { type: 'button', onclick: () => download('/v1/blobs/' + sha + '/original', sha + '.jpg') }, t('photo.original')) : null);
  document.body.append(dlg);
  dlg.addEventListener('close', () => dlg.remove());
  dlg.showModal();
}

/** Downloads a route's response as a file (token in the header). */
export async function download(path, filename) {
  const res = await fetchRaw(path);
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Masks anything that looks like a phone number (a last guard: the API already masks). */
export function scrubPhone(s) {
  return String(s || '').replace(/(\+?\d[\d -]{5,}\d)/g, (m) => {
    const d = m.replace(/\D/g, '');
    return d.length >= 7 ? d.slice(0, 3) + '****' + d.slice(-4) : m;
  });
}
