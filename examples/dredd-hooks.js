// Dredd hooks for oauth.yaml, the authorization server's document:
//
//   npx dredd@14.1.0 oauth.yaml http://127.0.0.1:8080 --hookfiles=examples/dredd-hooks.js
//
// Dredd tests every documented answer of an operation with the one request it builds from
// the examples, and sends a form-encoded body empty. An authorization server answers what
// it is sent, so each transaction is given the request that earns the answer it expects;
// none is skipped:
//   - GET /oauth/authorize 302: the examples as they are; 400: without redirect_uri, so
//     there is nowhere to redirect to;
//   - POST /oauth/token 200: a code the server has just issued, asked for first from
//     /oauth/authorize as a browser following the app's link would; 400: a code nobody
//     issued; 401: no client credentials; 413: a body over the 64 KiB the endpoint reads.
// The token request is sent in the media type of the transaction, form or JSON.
const http = require('http');
const https = require('https');
const hooks = require('hooks');

// The app of oauth.yaml's examples.
const app = { client_id: 'my-app', client_secret: 'my-secret', redirect_uri: 'http://localhost:3000/callback' };
const unissuedCode = 'K7D3QZJ4XWN2M5VYB6HTCRLPGA';

// issueCode asks the server under test for a code, as the app's "Connect" link does, and
// passes it on ('' when the answer carries none, which the exchange then fails on).
function issueCode(transaction, callback) {
  const query = new URLSearchParams({ client_id: app.client_id, redirect_uri: app.redirect_uri, response_type: 'code' });
  const client = transaction.protocol === 'https:' ? https : http;
  const path = transaction.fullPath.replace(/\/oauth\/token.*$/, '/oauth/authorize') + '?' + query;
  client.get({ host: transaction.host, port: transaction.port, path }, (res) => {
    res.resume();
    let code = '';
    try {
      code = new URL(res.headers.location).searchParams.get('code') || '';
    } catch (e) {
      hooks.log(`/oauth/authorize answered ${res.statusCode} without a usable Location`);
    }
    callback(code);
  }).on('error', (err) => {
    hooks.log(`/oauth/authorize: ${err.message}`);
    callback('');
  });
}

// send puts params in the transaction's body, encoded as its Content-Type says.
function send(transaction, params) {
  const request = transaction.request;
  if ((request.headers['Content-Type'] || '').startsWith('application/json')) {
    request.body = JSON.stringify(params);
  } else {
    request.headers['Content-Type'] = 'application/x-www-form-urlencoded';
    request.body = new URLSearchParams(params).toString();
  }
}

// withoutRedirectURI drops redirect_uri from the authorization request.
function withoutRedirectURI(transaction) {
  const [path, query] = transaction.fullPath.split('?');
  const params = new URLSearchParams(query);
  params.delete('redirect_uri');
  transaction.fullPath = path + '?' + params;
  transaction.request.uri = transaction.fullPath;
}

hooks.beforeEach((transaction, done) => {
  const status = String(transaction.expected.statusCode);
  const { method } = transaction.request;
  if (method === 'GET' && transaction.fullPath.startsWith('/oauth/authorize') && status === '400') {
    withoutRedirectURI(transaction);
  }
  if (method !== 'POST' || !transaction.fullPath.startsWith('/oauth/token')) {
    return done();
  }
  const exchange = { grant_type: 'authorization_code', ...app };
  switch (status) {
    case '200':
      return issueCode(transaction, (code) => {
        send(transaction, { ...exchange, code });
        done();
      });
    case '400':
      send(transaction, { ...exchange, code: unissuedCode });
      break;
    case '401':
      send(transaction, { grant_type: 'authorization_code', redirect_uri: app.redirect_uri, code: unissuedCode });
      break;
    case '413':
      send(transaction, { ...exchange, code: 'x'.repeat(70 * 1024) });
      break;
  }
  done();
});
