// Action forms shown in modal dialogs, so that the live refresh of a list
// never throws away what someone is typing.
import { t } from './i18n.js';
import { post, couriers, personName } from './api.js';
import { h, field, notice, errText, select } from './ui.js';

/**
 * Opens a dialog with a form: fields are built by build(form) and submit
 * runs act(); on success the dialog closes and done() runs.
 */
export function formDialog(id, title, build, act, done, submitLabel) {
  const msg = notice();
  const form = h('form', { method: 'dialog' });
  const dlg = h('dialog', { id, 'aria-labelledby': id + '-title' }, h('h2', { id: id + '-title' }, title), form);
  const cancel = h('button', { type: 'button', onclick: () => dlg.close() }, t('cancel'));
  const submit = h('button.primary', { type: 'submit', id: id + '-submit' }, submitLabel || t('save'));
  form.append(...[].concat(build(form)), h('div.actions', submit, ' ', cancel), msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    msg.show(t('working'));
    try {
      const out = await act();
      dlg.close();
      if (done) done(out);
    } catch (err) {
      msg.show(errText(err), 'bad');
    } finally {
      submit.disabled = false;
    }
  });
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
  return dlg;
}

/** A <select> of couriers by name (value: user id); selected is preselected. */
export function courierPicker(selected, attrs) {
  const list = couriers();
  if (selected && !list.some((c) => c.id === selected)) list.unshift({ id: selected, name: personName(selected), active: true });
  const sel = select([['', t('choose.courier')], ...list.map((c) => [c.id, c.name + (c.active ? '' : ' (' + t('inactive') + ')')])], attrs);
  sel.value = selected || '';
  return sel;
}

/** An <input type=datetime-local> set hours from now, and its value as RFC 3339. */
export function dueInput(hours, attrs) {
  const d = new Date(Date.now() + hours * 3600e3);
  d.setSeconds(0, 0);
  const pad = (n) => String(n).padStart(2, '0');
  const v = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const el = h('input', Object.assign({ type: 'datetime-local', value: v, required: true }, attrs || {}));
  el.rfc3339 = () => new Date(el.value).toISOString();
  return el;
}

/** "Call the customer back" from a complaint: nobody retypes the contact. */
export function callbackFromComplaint(c, done) {
  const courier = courierPicker(c.courier_id, { id: 'cb-courier', required: true });
  const reason = h('input#cb-reason', { value: t('callback.reason.complaint', { category: t('category.' + c.category) }), maxlength: 200, required: true });
  const due = dueInput(4, { id: 'cb-due' });
  return formDialog('callback-from-complaint', t('complaint.callback'), () => [
    h('p', t('callback.contact_from_complaint'), ' ', h('strong', c.customer.name_masked + ' · ' + c.customer.phone_masked)),
    field(t('courier'), courier), field(t('reason'), reason), field(t('due_by'), due),
  ], () => post('/v1/callbacks', { complaint_id: c.complaint_id, courier_id: courier.value, waybill: c.waybill || '', reason: reason.value, due_by: due.rfc3339() }), done, t('complaint.callback.create'));
}
