// Settings > Integrations > Webhooks > Client certificate: the certificate
// the organization's webhooks present to receivers that ask for one (mutual
// TLS). Shows who it names, who issued it and when it expires (warning 30
// days before); upload a new one (PEM text or files) or remove it.
import { api } from '../api.js';
import { action, clearFieldErrors, field, h, show, showFieldErrors, toast, when } from '../dom.js';

export function clientCertificateSection(initial) {
  const current = h('div', { class: 'cert', 'aria-live': 'polite' });
  const remove = h('button', { type: 'button', class: 'small danger', onclick: action(async () => {
    if (!confirm('Remove the client certificate? Receivers that require one will refuse the webhooks.')) return;
    render((await api('PUT', '/api/settings/webhooks', { client_certificate: null })).client_certificate);
    toast('The client certificate was removed.');
  }) }, 'Remove certificate');
  function render(cert) {
    remove.hidden = !cert;
    if (!cert) {
      show(current, h('p', { class: 'hint' }, 'None. Webhooks present no certificate.'));
      return;
    }
    const days = Math.floor((Date.parse(cert.not_after) - Date.now()) / 86400e3);
    const warning = cert.expired
      ? h('p', { class: 'notice', role: 'status' }, `This certificate expired on ${when(cert.not_after)}: receivers that check it refuse the webhooks. Upload a new one.`)
      : cert.expires_soon
        ? h('p', { class: 'notice', role: 'status' }, `This certificate expires in ${days} day${days === 1 ? '' : 's'} (${when(cert.not_after)}). Upload its replacement before then.`)
        : null;
    show(current, h('dl', {}, h('dt', {}, 'Subject'), h('dd', {}, cert.subject), h('dt', {}, 'Issuer'), h('dd', {}, cert.issuer),
      h('dt', {}, 'Expires'), h('dd', {}, when(cert.not_after))), warning);
  }
  render(initial);

  const pem = (label, hint) => field(label, h('textarea', { class: 'pem', spellcheck: 'false', rows: 5 }), hint);
  const certificate = pem('Certificate (PEM)', 'Paste it, or choose its file; any intermediate certificates follow it.');
  const key = pem('Private key (PEM)', 'Unencrypted. Stored encrypted; never shown again.');
  // A file chosen fills its box (nothing leaves the browser but the text).
  const fileFor = (target, label) => h('input', { type: 'file', accept: '.pem,.crt,.cer,.key,text/plain', 'aria-label': label,
    onchange: async (e) => { const f = e.currentTarget.files[0]; if (f) target.control.value = await f.text(); } });
  certificate.wrap.append(fileFor(certificate, 'Certificate file'));
  key.wrap.append(fileFor(key, 'Private key file'));
  const formError = h('p', { class: 'error', role: 'alert' });
  const errors = { 'client_certificate.certificate_pem': certificate, 'client_certificate.private_key_pem': key,
    client_certificate: certificate };
  const upload = h('button', { type: 'button', onclick: action(async () => {
    clearFieldErrors(errors, formError);
    try {
      const answer = await api('PUT', '/api/settings/webhooks', { client_certificate: {
        certificate_pem: certificate.control.value, private_key_pem: key.control.value } });
      certificate.control.value = '';
      key.control.value = '';
      render(answer.client_certificate);
      toast('The client certificate was saved.');
    } catch (err) {
      if (err.status !== 422) throw err;
      showFieldErrors(err, errors, formError);
    }
  }) }, 'Upload certificate');
  return h('div', { class: 'field' }, h('span', { class: 'label' }, 'Client certificate'),
    h('span', { class: 'hint' }, 'Presented to receivers that require one (mutual TLS).'),
    current, remove, h('details', {}, h('summary', {}, 'Upload a certificate'), certificate.wrap, key.wrap, formError, upload));
}
