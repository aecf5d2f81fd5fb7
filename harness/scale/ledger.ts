/**
 * The accounting of a merge: which ids the shard folders hold, each checked against where it
 * belongs. An id is a (unit, part) pair: a load schedule's session and turn (`s12/3`), a
 * learning suite's (scenario, seed) group and lineup position. Every unit has one owning
 * shard (shard.ts: unit k belongs to shard k mod N).
 *
 * Promises: after every id is `see`n and every expected one `expect`ed, `report()` names each id
 * recorded twice (with the folders that hold it), each id held by a folder that does not own
 * it, and each expected id no folder holds. Memory is per unit, not per id: a bit per part
 * (32 parts in a 4-byte mask; later parts in a small map) and the folder of the unit's first
 * id, about 6 bytes a session, so a merge of millions of requests stays small. Pure: no I/O.
 */

export interface LedgerOptions {
  /** The folders being merged, by index (messages name them). */
  folders: string[];
  /** Folder index that must hold a unit's ids (every shard has its folder: checked before the ids). */
  owner(unit: number): number;
  /** The id as users know it. */
  name(unit: number, part: number): string;
}

/** A kind of problem: how many, and the first KEEP of them by name. */
export interface Named<T> {
  count: number;
  named: T[];
}

export interface LedgerReport {
  /** Ids seen, duplicates counted once. */
  distinct: number;
  duplicates: Named<{ id: string; folders: string[] }>;
  /** Ids in a folder that does not own them. */
  misplaced: Named<{ id: string; folder: string; owner: string }>;
  missing: Named<{ id: string; owner: string }>;
}

/** Problems kept by name per kind (the rest are counted): a merge of the wrong folders must not fill memory. */
const KEEP = 1000;

function note<T>(n: Named<T>, item: () => T): void {
  n.count++;
  if (n.named.length < KEEP) n.named.push(item());
}

const NO_FOLDER = 0xffff;

export class IdLedger {
  private masks = new Uint32Array(1024);
  private firstFolder = new Uint16Array(1024).fill(NO_FOLDER);
  /** Parts >= 32, by unit. */
  private readonly high = new Map<number, Set<number>>();
  private distinctCount = 0;
  private readonly duplicates: LedgerReport['duplicates'] = { count: 0, named: [] };
  private readonly misplaced: LedgerReport['misplaced'] = { count: 0, named: [] };
  private readonly missing: LedgerReport['missing'] = { count: 0, named: [] };

  constructor(private readonly o: LedgerOptions) {
    if (o.folders.length >= NO_FOLDER) throw new RangeError(`at most ${NO_FOLDER - 1} folders`);
  }

  private grow(unit: number): void {
    if (unit < this.masks.length) return;
    let size = this.masks.length;
    while (size <= unit) size *= 2;
    const masks = new Uint32Array(size);
    masks.set(this.masks);
    const first = new Uint16Array(size).fill(NO_FOLDER);
    first.set(this.firstFolder);
    this.masks = masks;
    this.firstFolder = first;
  }

  private has(unit: number, part: number): boolean {
    if (part < 32) return unit < this.masks.length && (this.masks[unit]! & (1 << part)) !== 0;
    return this.high.get(unit)?.has(part) ?? false;
  }

  /** The highest part seen of a unit (-1: none). */
  maxPart(unit: number): number {
    const high = this.high.get(unit);
    if (high && high.size > 0) return Math.max(...high);
    const mask = unit < this.masks.length ? this.masks[unit]! : 0;
    return 31 - Math.clz32(mask);
  }

  /** An id found in folder `folder`. */
  see(unit: number, part: number, folder: number): void {
    if (!Number.isInteger(unit) || unit < 0 || !Number.isInteger(part) || part < 0)
      throw new RangeError(`ids are non-negative integer pairs, got (${unit}, ${part})`);
    this.grow(unit);
    const name = this.o.folders;
    if (this.has(unit, part)) {
      // The first copy is taken to be in the folder of the unit's first id (a session's turns come from one shard).
      const id = this.o.name(unit, part);
      const known = this.duplicates.named.find((d) => d.id === id);
      if (known) known.folders.push(name[folder]!);
      else note(this.duplicates, () => ({ id, folders: [name[this.firstFolder[unit]!]!, name[folder]!] }));
    } else {
      this.distinctCount++;
      if (part < 32) this.masks[unit]! |= 1 << part;
      else this.high.set(unit, (this.high.get(unit) ?? new Set()).add(part));
      if (this.firstFolder[unit] === NO_FOLDER) this.firstFolder[unit] = folder;
    }
    const owner = this.o.owner(unit);
    if (owner !== folder)
      note(this.misplaced, () => ({ id: this.o.name(unit, part), folder: name[folder]!, owner: name[owner]! }));
  }

  /** An id the merged run must hold: missing unless some folder had it. */
  expect(unit: number, part: number): void {
    if (!this.has(unit, part))
      note(this.missing, () => ({ id: this.o.name(unit, part), owner: this.o.folders[this.o.owner(unit)]! }));
  }

  report(): LedgerReport {
    return {
      distinct: this.distinctCount,
      duplicates: this.duplicates,
      misplaced: this.misplaced,
      missing: this.missing,
    };
  }
}

/** The problems of a report, one phrase per kind, each id named (the first `limit` of a kind, then a count). */
export function describeProblems(r: LedgerReport, limit = 20): string[] {
  const list = <T>(n: Named<T>, show: (t: T) => string) =>
    n.named.slice(0, limit).map(show).join(', ') + (n.count > limit ? ` and ${n.count - limit} more` : '');
  const out: string[] = [];
  if (r.duplicates.count > 0)
    out.push(
      `${r.duplicates.count} id(s) recorded more than once: ${list(r.duplicates, (d) => `${d.id} (${d.folders.join(', ')})`)}`,
    );
  if (r.misplaced.count > 0)
    out.push(
      `${r.misplaced.count} id(s) in a folder that does not own them: ${list(r.misplaced, (m) => `${m.id} (in ${m.folder}; belongs to ${m.owner})`)}`,
    );
  if (r.missing.count > 0)
    out.push(`${r.missing.count} id(s) missing: ${list(r.missing, (m) => `${m.id} (belongs to ${m.owner})`)}`);
  return out;
}
