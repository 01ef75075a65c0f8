// A certificate authority made for one test run with the openssl CLI, and
// server certificates it signs: for 127.0.0.1, for the wrong host, expired,
// and one self-signed that no CA vouches for; and client certificates for
// mutual TLS. Files live in `dir`.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const openssl = (dir, args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

export function makeTestCa(dir) {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
    '-days', '2', '-subj', '/CN=Leadwire Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  // `openssl ca` can sign with dates in the past (for the expired one).
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'ca.cnf'), [
    '[ca]', 'default_ca = test', '[test]', `dir = ${dir}`, 'database = $dir/index.txt',
    'new_certs_dir = $dir', 'certificate = $dir/ca.pem', 'private_key = $dir/ca.key',
    'serial = $dir/serial', 'default_md = sha256', 'policy = any', 'copy_extensions = none',
    'unique_subject = no', '[any]', 'commonName = supplied', ''].join('\n'));

  // A key and certificate for `name`, with subjectAltName `san`, signed by the
  // CA (valid from `start` to `end`, openssl's YYYYMMDDHHMMSSZ) or self-signed.
  function server(name, san, { start, end, selfSigned = false, usage = 'serverAuth' } = {}) {
    const key = `${name}.key`, csr = `${name}.csr`, pem = `${name}.pem`, ext = `${name}.ext`;
    writeFileSync(join(dir, ext), `subjectAltName=${san}\nextendedKeyUsage=${usage}\nbasicConstraints=CA:FALSE\n`);
    if (selfSigned) {
      openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', pem, '-days', '2',
        '-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`]);
    } else {
      openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
      const now = new Date();
      const stamp = (d) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
      openssl(dir, ['ca', '-batch', '-config', 'ca.cnf', '-in', csr, '-out', pem, '-notext', '-extfile', ext,
        '-startdate', start || stamp(new Date(now - 3600e3)), '-enddate', end || stamp(new Date(+now + 2 * 86400e3))]);
    }
    return { key: readFileSync(join(dir, key)), cert: readFileSync(join(dir, pem)) };
  }

  return {
    caFile: join(dir, 'ca.pem'),
    good: server('localhost', 'IP:127.0.0.1,DNS:localhost'),
    wrongHost: server('wrong', 'DNS:wrong.example'),
    expired: server('expired', 'IP:127.0.0.1', { start: '20200101000000Z', end: '20200102000000Z' }),
    selfSigned: server('self', 'IP:127.0.0.1', { selfSigned: true }),
    // Client certificates (mutual TLS): one valid for two days, one expired.
    client: server('client', 'DNS:intake.example', { usage: 'clientAuth' }),
    expiredClient: server('expired-client', 'DNS:intake.example', { usage: 'clientAuth', start: '20200101000000Z', end: '20200102000000Z' }),
  };
}
