// Per iteration: a 404 under the default response callback, a request with a name tag, one with
// credentials in the URL, one to a name --hosts maps without a port to ip:port, and one after
// a redirect followed, and one after setResponseCallback(null).
import http from 'k6/http';

export const options = {
  scenarios: {
    v: {
      executor: 'constant-arrival-rate',
      rate: 1,
      timeUnit: '1s',
      duration: '1s',
      preAllocatedVUs: 1,
      maxVUs: 1,
    },
  },
};

export default function () {
  http.setResponseCallback(http.expectedStatuses({ min: 200, max: 399 }));
  http.get(`http://${__ENV.TARGET}/missing`);
  http.get(`http://${__ENV.TARGET}/ok?id=1`, { tags: { name: 'ok-by-id' } });
  http.get(`http://user:secret@${__ENV.TARGET}/ok?id=3`);
  http.get('http://bare.conformance.test/ok?id=4');
  http.get(`http://${__ENV.TARGET}/redirect`);
  http.setResponseCallback(null);
  http.get(`http://${__ENV.TARGET}/ok?id=2`);
}
