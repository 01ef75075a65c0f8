// A mail server made for a test on 127.0.0.1: speaks enough SMTP (EHLO,
// STARTTLS with a test CA's certificate when given one, MAIL, RCPT, DATA,
// RSET, NOOP, QUIT) to take what Leadwire sends, and records each message:
// {from, to, data, subject, body, tls}. stop() closes it (the port is kept
// for start() again), so a test can have the mail server away.
import net from 'node:net';
import tls from 'node:tls';

export async function startSmtpServer({ tlsOptions, port = 0 } = {}) {
  const messages = [];
  const sockets = new Set();
  let server;

  function serve(raw) {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => {});
    let socket = raw;
    let secure = false;
    let buffer = '';
    let mail = null;
    let inData = false;
    const say = (line) => socket.write(`${line}\r\n`);
    const onData = (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          // Undo dot-stuffing: a line starting with ".." was "." before.
          const data = buffer.slice(0, end).split('\r\n').map((l) => (l.startsWith('..') ? l.slice(1) : l)).join('\r\n');
          buffer = buffer.slice(end + 5);
          inData = false;
          const [head, ...rest] = data.split('\r\n\r\n');
          const subject = (head.match(/^Subject: (.*)$/m) || [])[1] ?? '';
          messages.push({ ...mail, data, headers: head, subject: decodeWord(subject), body: rest.join('\r\n\r\n'), tls: secure });
          mail = null;
          say('250 2.0.0 Ok: queued');
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') {
          socket.write(`250-test.smtp\r\n${tlsOptions && !secure ? '250-STARTTLS\r\n' : ''}250 8BITMIME\r\n`);
        } else if (line.toUpperCase() === 'STARTTLS' && tlsOptions && !secure) {
          say('220 2.0.0 Ready to start TLS');
          socket.removeListener('data', onData);
          const upgraded = new tls.TLSSocket(socket, { isServer: true, ...tlsOptions });
          upgraded.on('error', () => {});
          upgraded.on('data', onData);
          socket = upgraded;
          secure = true;
          buffer = '';
        } else if (verb === 'MAIL') {
          mail = { from: (line.match(/<([^>]*)>/) || [])[1], to: [] };
          say('250 2.1.0 Ok');
        } else if (verb === 'RCPT') {
          mail.to.push((line.match(/<([^>]*)>/) || [])[1]);
          say('250 2.1.5 Ok');
        } else if (verb === 'DATA') {
          inData = true;
          say('354 End data with <CR><LF>.<CR><LF>');
        } else if (verb === 'QUIT') {
          say('221 2.0.0 Bye');
          socket.end();
        } else if (verb === 'RSET' || verb === 'NOOP') {
          mail = null;
          say('250 2.0.0 Ok');
        } else {
          say('502 5.5.2 Not implemented');
        }
      }
    };
    socket.on('data', onData);
    say('220 test.smtp ESMTP');
  }

  async function start() {
    server = net.createServer(serve);
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    port = server.address().port;
  }
  await start();
  return {
    get port() { return port; },
    url: () => `smtp://127.0.0.1:${port}`,
    messages,
    start,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// An RFC 2047 "=?UTF-8?B?…?=" subject, as text.
function decodeWord(text) {
  const m = text.match(/^=\?UTF-8\?B\?(.*)\?=$/i);
  return m ? Buffer.from(m[1], 'base64').toString('utf8') : text;
}
