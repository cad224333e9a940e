import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nonCounterTotals, promtoolCompatible } from '../src/daemon/exposition.ts';

const SAMPLE = [
  '# HELP libp2p_tcp_inbound_connections_total Total_inbound',
  '# TYPE libp2p_tcp_inbound_connections_total gauge',
  'libp2p_tcp_inbound_connections_total{address="127.0.0.1:4001"} 3',
  '',
  '# HELP libp2p_data_transfer_bytes_total Bytes',
  '# TYPE libp2p_data_transfer_bytes_total counter',
  'libp2p_data_transfer_bytes_total{protocol="global sent"} 10',
  '',
  '# HELP x_total taken base',
  '# TYPE x_total gauge',
  'x_total 1',
  '# HELP x a gauge of its own',
  '# TYPE x gauge',
  'x 2',
  '# HELP h_total a histogram',
  '# TYPE h_total histogram',
  'h_total_bucket{le="1"} 1',
  'h_total_bucket{le="+Inf"} 1',
  'h_total_sum 0.5',
  'h_total_count 1',
  '',
].join('\n');

test('non-counter families ending in _total are renamed in HELP, TYPE and samples; counters are kept', () => {
  assert.deepEqual(
    [...nonCounterTotals(SAMPLE)],
    [
      ['libp2p_tcp_inbound_connections_total', 'libp2p_tcp_inbound_connections'],
      ['x_total', 'x_current'],
      ['h_total', 'h'],
    ],
  );
  const out = promtoolCompatible(SAMPLE).split('\n');
  assert.deepEqual(out.slice(0, 3), [
    '# HELP libp2p_tcp_inbound_connections Total_inbound',
    '# TYPE libp2p_tcp_inbound_connections gauge',
    'libp2p_tcp_inbound_connections{address="127.0.0.1:4001"} 3',
  ]);
  assert.deepEqual(out.slice(4, 7), SAMPLE.split('\n').slice(4, 7), 'the counter is untouched');
  assert.deepEqual(out.slice(8, 11), ['# HELP x_current taken base', '# TYPE x_current gauge', 'x_current 1']);
  assert.equal(out[13], 'x 2');
  assert.deepEqual(out.slice(16, 20), ['h_bucket{le="1"} 1', 'h_bucket{le="+Inf"} 1', 'h_sum 0.5', 'h_count 1']);
  assert.equal(promtoolCompatible('a 1\n'), 'a 1\n');
});
