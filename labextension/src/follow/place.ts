/**
 * Places in a notebook, as plain data: where the leader is (`placeOf`), and
 * where a follower should go (`locate`): by cell id, then by heading, then by
 * index, saying when the follower's copy of the notebook differs from the
 * leader's. No JupyterLab here, so it is tested on its own.
 */

/** A place in a notebook, as the server relays it (`nav.place`). */
export interface INotebookPlace {
  notebook_path: string;
  cell_id: string | null;
  /** The cell's index, from 0. */
  cell_index: number;
  /** The text of the heading the cell sits under. */
  section: string | null;
  /** Which heading of the notebook that is, from 1. */
  section_index: number | null;
  /**
   * Where the cell's top is in the view, as a fraction of the view's height
   * from its top.
   */
  offset: number;
}

/** What `placeOf` and `locate` need to know of a cell. */
export interface ICellInfo {
  id: string;
  /** The heading the cell starts with, if it is a Markdown heading cell. */
  heading: string | null;
}

/** The first Markdown heading of a cell's source, without its `#`s. */
export function headingOf(cellType: string, source: string): string | null {
  if (cellType !== 'markdown') {
    return null;
  }
  const match = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/m.exec(source);
  return match ? match[1]!.slice(0, 200) : null;
}

/** The heading a cell sits under: its index among headings (from 1) and text. */
export function sectionOf(
  cells: readonly ICellInfo[],
  index: number
): { section: string | null; section_index: number | null } {
  let rank = 0;
  let section: string | null = null;
  for (let i = 0; i <= index && i < cells.length; i++) {
    const heading = cells[i]!.heading;
    if (heading !== null) {
      rank += 1;
      section = heading;
    }
  }
  return rank === 0
    ? { section: null, section_index: null }
    : { section, section_index: rank };
}

/** The place of the cell at `index` in `cells`. */
export function placeOf(
  path: string,
  cells: readonly ICellInfo[],
  index: number,
  offset: number
): INotebookPlace {
  const clamped = Math.max(0, Math.min(index, cells.length - 1));
  const cell = cells[clamped];
  return {
    notebook_path: path,
    cell_id: cell ? cell.id.slice(0, 100) || null : null,
    cell_index: Math.max(0, clamped),
    ...sectionOf(cells, clamped),
    offset: Math.max(-10, Math.min(10, Number.isFinite(offset) ? offset : 0))
  };
}

/** Where a follower goes, and how it was found. */
export interface ILocated {
  index: number;
  /** `id`: the same cell; `heading`: under the same heading; `index`: by position. */
  by: 'id' | 'heading' | 'index';
  /**
   * Set when the follower's copy does not hold the leader's cell: a sentence
   * saying so (the cell was deleted, or the copies differ).
   */
  differs: string | null;
}

/**
 * Find the leader's place in the follower's cells: the cell with the same id;
 * else the heading with the same text (the one of the same rank if there are
 * several); else the same index (the last cell if there are fewer).
 */
export function locate(
  cells: readonly ICellInfo[],
  place: INotebookPlace
): ILocated | null {
  if (cells.length === 0) {
    return null;
  }
  if (place.cell_id !== null) {
    const index = cells.findIndex(cell => cell.id === place.cell_id);
    if (index >= 0) {
      return { index, by: 'id', differs: null };
    }
  }
  if (place.section !== null) {
    const index = headingIndex(cells, place.section, place.section_index);
    if (index >= 0) {
      return {
        index,
        by: 'heading',
        differs: `The leader's cell is not in your copy of the notebook: showing its heading, “${place.section}”.`
      };
    }
  }
  const index = Math.min(place.cell_index, cells.length - 1);
  return {
    index,
    by: 'index',
    differs:
      place.cell_id !== null
        ? "The leader's cell is not in your copy of the notebook (deleted, or the copies differ): showing the same position."
        : null
  };
}

/** The index of the heading cell with this text, preferring the one of `rank`. */
function headingIndex(
  cells: readonly ICellInfo[],
  text: string,
  rank: number | null
): number {
  let seen = 0;
  let first = -1;
  for (let i = 0; i < cells.length; i++) {
    if (cells[i]!.heading === null) {
      continue;
    }
    seen += 1;
    if (cells[i]!.heading === text) {
      if (seen === rank) {
        return i;
      }
      first = first < 0 ? i : first;
    }
  }
  return first;
}
