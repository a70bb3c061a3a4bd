// Custom metrics of each type, run tags, systemTags filtering; 4 iterations.
import http from 'k6/http';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';

export const options = {
  tags: { run: 'r1' },
  systemTags: ['scenario', 'status'],
  scenarios: {
    m: {
      executor: 'constant-arrival-rate',
      rate: 2,
      timeUnit: '1s',
      duration: '2s',
      preAllocatedVUs: 1,
      maxVUs: 1,
      tags: { team: 'qa' },
    },
  },
};

const counter = new Counter('my_counter');
const gauge = new Gauge('my_gauge');
const rate = new Rate('my_rate');
const trend = new Trend('my_trend');
const timeTrend = new Trend('my_time_trend', true);

export default function () {
  counter.add(2.7, { k: 'v' });
  counter.add(true, { k: 'bool' });
  counter.add(-2.7, { k: 'neg' });
  counter.add('3', { k: 'numeric-string' });
  counter.add(1, { k: 'newline', nl: 'x\ny', e: '', c: 'a:b' });
  counter.add(1, { k: 'long', long: 'x'.repeat(1500) });
  gauge.add(3.25);
  rate.add(true, { r: 'yes' });
  rate.add(false, { r: 'no' });
  rate.add(0.5, { r: 'half' });
  rate.add('abc', { r: 'nan' });
  rate.add(1, { check: 'viaRate' });
  trend.add(12.5);
  timeTrend.add(7);
  http.get(`http://${__ENV.TARGET}/ok`, { tags: { custom: 'c1' } });
}
