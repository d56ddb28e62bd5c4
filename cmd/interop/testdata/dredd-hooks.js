// Dredd sends the same example request for every documented answer of an operation, so
// only the success answer could come back. Each transaction is shaped to earn the answer
// it expects, and nothing Dredd compiled is skipped:
//   - the API takes Prefer: code=N and answers the documented response for N;
//   - the authorization server (/oauth/...) does not, so its requests are made to deserve
//     the answer: a token exchange first asks /oauth/authorize for a real code.
const http = require('http');
const hooks = require('hooks');

const client = { client_id: 'my-app', client_secret: 'my-secret', redirect_uri: 'http://localhost:3000/callback' };

function form(fields) {
  return new URLSearchParams(fields).toString();
}

// authorize asks the mock for a code, as a browser following the app's link would.
function authorize(transaction, callback) {
  const query = new URLSearchParams({ client_id: client.client_id, redirect_uri: client.redirect_uri, response_type: 'code' });
  const path = transaction.fullPath.replace(/\/oauth\/token.*$/, '/oauth/authorize') + '?' + query;
  http.get({ host: transaction.host, port: transaction.port, path }, (res) => {
    res.resume();
    const location = res.headers.location || '';
    callback(new URL(location).searchParams.get('code'));
  }).on('error', () => callback(''));
}

function shapeOAuth(transaction, status, done) {
  const request = transaction.request;
  if (request.method === 'GET') { // /oauth/authorize
    if (status === '400') { // no redirect_uri: nowhere to send the user back to
      transaction.fullPath = transaction.fullPath.replace(/([?&])redirect_uri=[^&]*&?/, '$1');
      request.uri = transaction.fullPath;
    }
    return done();
  }
  request.headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const send = (fields) => { request.body = form(fields); done(); };
  switch (status) {
    case '200':
      return authorize(transaction, (code) => send({ grant_type: 'authorization_code', code, ...client }));
    case '400': // a code nobody issued
      return send({ grant_type: 'authorization_code', code: 'K7D3QZJ4XWN2M5VYB6HTCRLPGA', ...client });
    case '401': // no client credentials
      return send({ grant_type: 'authorization_code', code: 'K7D3QZJ4XWN2M5VYB6HTCRLPGA', redirect_uri: client.redirect_uri });
    case '413': // over the 64 KiB the token endpoint reads
      return send({ grant_type: 'authorization_code', code: 'x'.repeat(70 * 1024), ...client });
    default:
      return done();
  }
}

hooks.beforeEach((transaction, done) => {
  const status = String(transaction.expected.statusCode);
  transaction.skip = false;
  if (transaction.fullPath.includes('/oauth/')) {
    return shapeOAuth(transaction, status, done);
  }
  if (!status.startsWith('2')) {
    transaction.request.headers['Prefer'] = `code=${status}`;
  }
  done();
});
