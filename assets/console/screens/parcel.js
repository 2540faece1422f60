// Parcel lookup by waybill: the pickup, one timeline of everything that
// happened to the parcel, its complaints (with their actions) and photos.
import { t } from '../i18n.js';
import { get } from '../api.js';
import { h, when, person, notice, errText, field, photo, openPhoto, badge, scrubPhone, yuan } from '../ui.js';
import { complaintCard } from './complaints.js';

function thumbs(photos, ctx) {
  return h('span.photos', (photos || []).map((ph) => (ph.state === 'stored'
    ? h('button.thumb', { type: 'button', onclick: () => openPhoto(ph.sha256, ctx.atLeast('supervisor')), 'aria-label': t('photo.open') }, photo(ph.sha256, 'thumb'))
    : badge(t('photo.' + ph.state, { fallback: ph.state }), 'warn'))));
}

function event(e, ctx) {
  return h('li', { 'data-type': e.type },
    h('time', when(e.at)), ' ', badge(t('event.' + e.type, { fallback: e.type }), 'info'), ' ',
    e.actor ? person(e.actor) : '', e.summary ? ' · ' + scrubPhone(e.summary) : '',
    e.amount_cents !== undefined && e.amount_cents !== null ? ' · ' + yuan(e.amount_cents) : '',
    e.state ? [' ', badge(t('custody.' + e.state, { fallback: t('status.' + e.state, { fallback: e.state }) }), 'status')] : null,
    e.photos && e.photos.length ? h('div', thumbs(e.photos, ctx)) : null);
}

async function lookup(waybill, out, ctx) {
  const wb = encodeURIComponent(waybill);
  const [p, comp] = await Promise.all([
    get('/v1/parcels/' + wb),
    get('/v1/complaints', { waybill, limit: 100 }).catch(() => ({ complaints: [] })),
  ]);
  const redo = () => lookup(waybill, out, ctx);
  const complaintsHere = (comp.complaints || []).filter((c) => c.waybill === waybill);
  const pk = p.pickup;
  out.replaceChildren(
    h('h2', t('parcel.waybill'), ' ', h('span#parcel-waybill', p.waybill)),
    pk ? h('section.card', h('h3', t('parcel.pickup')), h('dl.facts',
      h('dt', t('courier')), h('dd', person(pk.courier_id)),
      h('dt', t('field.recorded_at')), h('dd', when(pk.recorded_at)),
      h('dt', t('field.sender')), h('dd.masked', pk.sender.name_masked + ' · ' + pk.sender.phone_masked),
      h('dt', t('field.recipient')), h('dd.masked', pk.recipient.name_masked + ' · ' + pk.recipient.phone_masked),
      h('dt', t('field.weight_g')), h('dd', String(pk.weight_g)),
      h('dt', t('field.declared_value_cents')), h('dd', yuan(pk.declared_value_cents), pk.insured ? ' · ' + t('field.insured') + ' ' + yuan(pk.insured_value_cents) : ''),
      h('dt', t('field.cod_amount_cents')), h('dd', yuan(pk.cod_amount_cents)),
      pk.freight_cents !== undefined ? [h('dt', t('field.freight_cents')), h('dd', yuan(pk.freight_cents))] : null)) : h('p', t('parcel.no_pickup')),
    h('section.card', h('h3', t('parcel.timeline')), h('ol#timeline.timeline', (p.events || []).map((e) => event(e, ctx)))),
    complaintsHere.length ? h('section', h('h3', t('nav.complaints')), complaintsHere.map((c) => complaintCard(c, ctx, redo))) : null);
}

/** Renders parcel lookup; args[0] is the waybill. Returns its refresh. */
export async function parcel(main, args, ctx) {
  const input = h('input#parcel-input', { name: 'waybill', value: args[0] || '', maxlength: 32, pattern: '[A-Za-z0-9-]{6,32}', required: true, autocomplete: 'off' });
  const msg = notice();
  const out = h('div#parcel-result');
  const form = h('form#parcel-form.inline', {
    onsubmit: (e) => {
      e.preventDefault();
      location.hash = '#/parcel/' + encodeURIComponent(input.value.trim());
    },
  }, field(t('waybill'), input), h('button', { type: 'submit' }, t('parcel.find')));
  main.append(h('h1', t('nav.parcel')), form, msg, out);
  const waybill = args[0];
  if (!waybill) {
    input.focus();
    return null;
  }
  const refresh = async () => {
    const a = document.activeElement;
    if (a && out.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)) return;
    try {
      await lookup(waybill, out, ctx);
      msg.show('');
    } catch (e) {
      out.replaceChildren();
      msg.show(e.status === 404 ? t('parcel.not_found') : errText(e), 'bad');
    }
  };
  await refresh();
  return refresh;
}
