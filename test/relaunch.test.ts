/** Which wrp commands go on in a child with a larger initial V8 heap (bin/relaunch.js). */
import { describe, expect, it } from 'vitest';
import { RELAUNCH_HEAP_MB, relaunchArgs } from '../bin/relaunch.js';

const node = '/usr/bin/node';
const cli = '/p/bin/wrp.js';

describe('relaunchArgs', () => {
  it('relaunches run and start with the heap flag, keeping node flags and arguments in order', () => {
    expect(relaunchArgs([node, cli, 'run', 'x.yaml', '--workers', '2'], ['--enable-source-maps'], {}, 'linux')).toEqual(
      [`--initial-heap-size=${RELAUNCH_HEAP_MB}`, '--enable-source-maps', cli, 'run', 'x.yaml', '--workers', '2'],
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
});
