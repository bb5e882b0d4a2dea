// Due dates and timer values in people's terms (a number and a unit, a date) and back to
// what the engine reads: `dueIn` is an expression the sandbox evaluates ("3WD" quoted, or
// the name of a data field holding a date); a timer's body a bare ISO 8601 value.

const QUOTED = /^(["'])(.*)\1$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function unquote(text) {
  const m = QUOTED.exec(text);
  return m ? m[2] : text;
}

// A standard literal typed without quotes (3WD, PT24H, P30D, 2024-11-20) is quoted, so the
// sandbox reads text, not a syntax error; anything else is kept as typed.
export function quoteLiteral(text) {
  const raw = String(text || "").trim();
  if (/^(\d+WD|P(?!$)(\d+[YMWD])*(T(?=\d)(\d+[HMS])*)?|\d{4}-\d\d-\d\d([T ][\d:.]+([+-]\d\d:\d\d|Z)?)?)$/i
    .test(raw)) {
    return '"' + raw.toUpperCase().replace(/^(\d{4}-\d\d-\d\d)[T ]/, "$1T") + '"';
  }
  return raw;
}

// {mode: none|WD|H|D|field|expr, n, field, expr}
export function parseDue(text) {
  const raw = String(text || "").trim();
  if (!raw) return { mode: "none" };
  const bare = unquote(raw);
  let m;
  if ((m = /^(\d+)WD$/i.exec(bare))) return { mode: "WD", n: Number(m[1]) };
  if ((m = /^PT(\d+)H$/i.exec(bare))) return { mode: "H", n: Number(m[1]) };
  if ((m = /^P(\d+)D$/i.exec(bare))) return { mode: "D", n: Number(m[1]) };
  if (bare === raw && NAME.test(raw) && !/^(None|True|False)$/.test(raw)) {
    return { mode: "field", field: raw };
  }
  return { mode: "expr", expr: raw };
}

export function formatDue(due) {
  const n = Math.max(0, Math.floor(Number(due.n) || 0));
  switch (due.mode) {
    case "WD": return '"' + n + 'WD"';
    case "H": return '"PT' + n + 'H"';
    case "D": return '"P' + n + 'D"';
    case "field": return String(due.field || "").trim();
    case "expr": return quoteLiteral(due.expr);
    default: return "";
  }
}

// A timer's kind (timeDuration|timeDate|timeCycle) and body as
// {mode: duration|date|cycle|expr, n, unit: S|M|H|D, date: "YYYY-MM-DD", time: "HH:MM", r, expr}
export function parseTimer(kind, body) {
  const raw = String(body || "").trim();
  const bare = unquote(raw);
  let m;
  const duration = (text) => {
    const d = /^P(T)?(\d+)([SMHD])$/i.exec(text);
    if (!d) return null;
    const unit = d[3].toUpperCase();
    if ((unit === "D") === Boolean(d[1])) return null; // PnD, PTnH, PTnM only
    return { n: Number(d[2]), unit: unit };
  };
  if (kind === "timeDuration") {
    if (!raw) return { mode: "duration", n: 1, unit: "H" };
    const d = duration(bare);
    if (d) return { mode: "duration", n: d.n, unit: d.unit };
  } else if (kind === "timeDate") {
    if (!raw) return { mode: "date", date: "", time: "08:00" };
    m = /^(\d{4}-\d\d-\d\d)(?:T(\d\d:\d\d)(?::00)?(?:\+07:00)?)?$/.exec(bare);
    if (m) return { mode: "date", date: m[1], time: m[2] || "00:00" };
  } else if (kind === "timeCycle") {
    if (!raw) return { mode: "cycle", r: 3, n: 1, unit: "D" };
    m = /^R(\d+)\/(.+)$/.exec(bare);
    const d = m && duration(m[2]);
    if (d) return { mode: "cycle", r: Number(m[1]), n: d.n, unit: d.unit };
  }
  return { mode: "expr", expr: raw };
}

function durationText(n, unit) {
  const count = Math.max(0, Math.floor(Number(n) || 0));
  return unit === "D" ? "P" + count + "D" : "PT" + count + (["S", "M"].indexOf(unit) >= 0 ? unit : "H");
}

export function formatTimer(timer) {
  switch (timer.mode) {
    case "duration": return durationText(timer.n, timer.unit);
    case "date":
      return timer.date ? timer.date + "T" + (timer.time || "00:00") + ":00+07:00" : "";
    case "cycle":
      return "R" + Math.max(1, Math.floor(Number(timer.r) || 1)) + "/" +
        durationText(timer.n, timer.unit);
    default: return String(timer.expr || "").trim();
  }
}
