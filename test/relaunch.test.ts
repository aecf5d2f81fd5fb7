/** Which wrp commands go on in a child with the load generator's V8 flags (bin/relaunch.js). */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { RUN_NODE_FLAGS, relaunchArgs } from '../bin/relaunch.js';

const node = '/usr/bin/node';
const cli = '/p/bin/wrp.js';

describe('relaunchArgs', () => {
  it('relaunches run and start with the heap and baseline-compiler flags, keeping node flags and arguments in order', () => {
    expect(relaunchArgs([node, cli, 'run', 'x.yaml', '--workers', '2'], ['--enable-source-maps'], {}, 'linux')).toEqual(
      [...RUN_NODE_FLAGS, '--enable-source-maps', cli, 'run', 'x.yaml', '--workers', '2'],
    );
    expect(relaunchArgs([node, cli, '--debug', 'start'], [], {}, 'linux')?.slice(-2)).toEqual(['--debug', 'start']);
  });

  it('runs everything else here: other commands, a heap size given, the relaunched process, Windows', () => {
    expect(relaunchArgs([node, cli, 'report', 'dir'], [], {}, 'linux')).toBeUndefined();
    expect(relaunchArgs([node, cli, '__worker', 'run'], [], {}, 'linux')).toBeUndefined();
    expect(relaunchArgs([node, cli], [], {}, 'linux')).toBeUndefined();
    expect(relaunchArgs([node, cli, 'run', 'x.yaml'], ['--initial-heap-size=0'], {}, 'linux')).toBeUndefined();
    expect(relaunchArgs([node, cli, 'run', 'x.yaml'], [], { WRP_RELAUNCHED: '1' }, 'linux')).toBeUndefined();
    expect(relaunchArgs([node, cli, 'run', 'x.yaml'], [], {}, 'win32')).toBeUndefined();
  });

  it('relaunches with flags this node accepts (node refuses to start on a V8 flag it does not know)', () => {
    const r = spawnSync(process.execPath, [...RUN_NODE_FLAGS, '-e', '0'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
