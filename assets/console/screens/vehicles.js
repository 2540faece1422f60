// Vehicles: the attention list, a vehicle's history with its inspection
// checklists and odometer, its open defects, and certifying a repair.
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { h, when, person, badge, notice, errText, field, select, table, scrubPhone } from '../ui.js';
import { formDialog } from '../dialogs.js';

function certify(vehicleID, d, changed) {
  const res = select([['repaired', t('resolution.repaired')], ['not_needed', t('resolution.not_needed')]], { id: 'cert-resolution' });
  const note = h('textarea#cert-note', { rows: 3, maxlength: 1000, required: true });
  return formDialog('certify', t('vehicle.certify') + ': ' + d.item, () => [field(t('resolution'), res), field(t('note'), note)],
    () => post('/v1/vehicles/' + encodeURIComponent(vehicleID) + '/defects/' + encodeURIComponent(d.defect_id) + '/certify', { resolution: res.value, note: note.value }),
    changed, t('vehicle.certify'));
}

function reasons(v) {
  return (v.reasons || []).map((r) => [badge(t('reason.' + r, { fallback: r }), r === 'open_defects' ? 'bad' : 'warn'), ' ']);
}

function fleet(out, all) {
  const toggle = h('input#veh-all', { type: 'checkbox', checked: all });
  const msg = notice();
  const body = h('div#vehicle-list');
  const refresh = async () => {
    try {
      const r = await get('/v1/vehicles', { attention: !toggle.checked, limit: 500 });
      msg.show('');
      body.replaceChildren(table([
        { label: t('vehicle'), cell: (v) => h('a', { href: '#/vehicles/' + encodeURIComponent(v.vehicle_id), class: 'vehicle-link' }, v.vehicle_id) },
        { label: t('vehicle.fit'), cell: (v) => (v.fit ? badge(t('vehicle.fit.yes'), 'ok') : badge(t('vehicle.fit.no'), 'bad')) },
        { label: t('vehicle.odometer'), num: true, cell: (v) => v.odometer_km.toLocaleString() + ' km' },
        { label: t('vehicle.open_defects'), num: true, cell: (v) => String(v.open_defects) },
        { label: t('vehicle.service_due'), cell: (v) => [v.service_due_at ? when(v.service_due_at) : '', v.service_due_km ? ' · ' + v.service_due_km.toLocaleString() + ' km' : ''] },
        { label: t('vehicle.reasons'), cell: reasons },
      ], r.vehicles, { empty: toggle.checked ? t('none') : t('vehicle.none_need_attention') }));
    } catch (e) {
      msg.show(errText(e), 'bad');
    }
  };
  toggle.addEventListener('change', refresh);
  out.append(h('div.filters', h('div.field.check', toggle, h('label', { for: 'veh-all' }, t('vehicle.show_all')))), msg, body);
  return refresh;
}

function checklist(items) {
  if (!items || !items.length) return '';
  return h('ul.checklist', items.map((i) => h('li', { class: i.ok ? 'ok' : 'bad' }, i.ok ? '✓ ' : '✗ ', t('item.' + i.item, { fallback: i.item }), i.note ? ' · ' + scrubPhone(i.note) : '')));
}

function one(out, id) {
  const msg = notice();
  const head = h('div#vehicle-head');
  const defects = h('div#vehicle-defects');
  const logs = h('div#vehicle-logs');
  const refresh = async () => {
    const enc = encodeURIComponent(id);
    try {
      const [v, d, l] = await Promise.all([get('/v1/vehicles/' + enc), get('/v1/vehicles/' + enc + '/defects', { limit: 500 }), get('/v1/vehicles/' + enc + '/logs', { limit: 500 })]);
      msg.show('');
      head.replaceChildren(h('dl.facts',
        h('dt', t('vehicle.fit')), h('dd', v.fit ? badge(t('vehicle.fit.yes'), 'ok') : badge(t('vehicle.fit.no'), 'bad')),
        h('dt', t('vehicle.kind')), h('dd', v.kind || '—'),
        h('dt', t('vehicle.odometer')), h('dd', v.odometer_km.toLocaleString() + ' km'),
        h('dt', t('vehicle.service_due')), h('dd', v.service_due_at ? when(v.service_due_at) : '—', v.service_due_km ? ' · ' + v.service_due_km.toLocaleString() + ' km' : ''),
        h('dt', t('vehicle.reasons')), h('dd', reasons(v))));
      defects.replaceChildren(h('h2', t('vehicle.defects')), table([
        { label: t('vehicle.item'), cell: (x) => t('item.' + x.item, { fallback: x.item }) },
        { label: t('note'), cell: (x) => scrubPhone(x.note) },
        { label: t('vehicle.opened_at'), cell: (x) => when(x.opened_at) },
        { label: t('status'), cell: (x) => (x.status === 'open' ? badge(t('defect.open'), 'bad') : [badge(t('defect.certified'), 'ok'), ' ', t('resolution.' + x.resolution, { fallback: x.resolution || '' }), x.certified_by ? [' · ', person(x.certified_by)] : null]) },
        { label: t('actions'), cell: (x) => (x.status === 'open' ? h('button', { type: 'button', class: 'act-certify', onclick: () => certify(id, x, refresh) }, t('vehicle.certify')) : '') },
      ], d.defects, { rowClass: (x) => 'defect-' + x.status }));
      logs.replaceChildren(h('h2', t('vehicle.history')), table([
        { label: t('at'), cell: (x) => when(x.recorded_at) },
        { label: t('vehicle.log_type'), cell: (x) => t('logtype.' + x.type, { fallback: x.type }) },
        { label: t('vehicle.odometer'), num: true, cell: (x) => x.odometer_km.toLocaleString() + ' km' },
        { label: t('courier'), cell: (x) => person(x.courier_id) },
        { label: t('vehicle.checklist'), cell: (x) => checklist(x.items) },
      ], l.logs.slice().reverse()));
    } catch (e) {
      msg.show(e.status === 404 ? t('not_found') : errText(e), 'bad');
    }
  };
  out.append(h('p', h('a', { href: '#/vehicles' }, '← ' + t('vehicle.back'))), h('h2', t('vehicle'), ' ', id), msg, head, defects, logs);
  return refresh;
}

/** Renders the vehicles screen (args[0]: a vehicle id, or "all"). Returns its refresh. */
export async function vehicles(main, args) {
  const out = h('div');
  main.append(h('h1', t('nav.vehicles')), out);
  const refresh = args[0] && args[0] !== 'all' ? one(out, args[0]) : fleet(out, args[0] === 'all');
  await refresh();
  return refresh;
}
