// The planning grid as a spreadsheet: nothing typed is lost or shown wrong, at any speed.
//
// * A cell saves when it is left (Tab, click elsewhere, arrows) or on Enter (which then moves
//   down). The answer updates that cell and its family's computed rows only; an input that has
//   focus is never replaced, nor one with unsaved typing (a change by someone else is marked
//   there instead).
// * Saves of one plan line go one after another, each with the version the previous answer
//   gave, so two fields of one line typed quickly never conflict with each other; saves of
//   different lines run side by side.
// * Arrow keys move between cells (left/right once the caret is at the edge of the text),
//   Escape restores the saved value.
// * A block pasted from Excel or WPS (tab-separated rows) maps onto the rows shown from the
//   focused cell down, like a spreadsheet: a read-only or computed row inside it is not
//   skipped (its cells are refused and marked, so the rest stay aligned with the source), and
//   the block stays in the family where it starts (rows beyond its last row are not pasted,
//   and the status says so). The valid cells are saved in one request, all or nothing.
// * The month totals under the grid cover every family of the cycle (or of the filter), not
//   only this page: a change seen here moves them at once, a live refresh brings the sums.
// * "sop:cycle-changed" events (the live channel) refresh the rows other people changed; a
//   submission or stage event re-reads which fields the user may edit, so cells frozen by an
//   accepted submission turn read-only (not the one being typed in: its save is refused with
//   the reason, and the text stays until Escape).
// Without JavaScript every cell is a plain form that posts and comes back to the page.
(function () {
  "use strict";
  const root = document.querySelector("[data-grid]");
  if (!root) {
    return;
  }
  const messages = JSON.parse(document.getElementById("grid-messages").textContent);
  const cycleId = Number(root.dataset.cycle);
  const query = root.dataset.query || "";
  const statusBox = root.querySelector("[data-grid-status]");
  const tokenInput = root.querySelector("input[name=csrfmiddlewaretoken]");
  const csrfToken = tokenInput ? tokenInput.value : "";
  const grouping = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

  const versions = new Map(); // plan line id -> the version last known
  const chains = new Map(); // plan line id -> the promise of its last save
  for (const input of root.querySelectorAll("input[data-line]")) {
    versions.set(input.dataset.line, Number(input.dataset.version));
  }

  // --- numbers --------------------------------------------------------------------------------

  function format(value) {
    const number = Number(value);
    return Number.isFinite(number) && String(value).trim() !== "" ? grouping.format(number) : String(value);
  }

  // What the user typed, as the server should read it: full-width digits and commas (Chinese
  // input methods) made plain, spaces dropped. Anything else is left for the server to judge.
  function typed(text) {
    return text
      .replace(/[\uff10-\uff19]/g, (digit) => String.fromCharCode(digit.charCodeAt(0) - 0xfee0))
      .replace(/[\uff0c\u060c]/g, ",")
      .replace(/[\s\u00a0\u2009\u202f]/g, "")
      .replace(/^\uff0d|^\u2212/, "-");
  }

  // The value as a plain integer string when it reads as one ("12,500" -> "12500"), else as typed.
  function canonical(text) {
    const plain = typed(text);
    if (/^[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)$/.test(plain)) {
      const number = Number(plain.replace(/,/g, ""));
      if (Number.isSafeInteger(number)) {
        return String(number);
      }
    }
    return plain;
  }

  function signed(change) {
    if (change === 0) {
      return "\u00b10";
    }
    return change > 0 ? "+" + grouping.format(change) : "\u2212" + grouping.format(-change);
  }

  function plural(forms, count) {
    return interpolate(count === 1 ? forms[0] : forms[1], { count: grouping.format(count) });
  }

  // A URL of the grid's API with the page's family filter, which the month totals follow.
  function withQuery(url) {
    return query ? `${url}${url.includes("?") ? "&" : "?"}q=${encodeURIComponent(query)}` : url;
  }

  function interpolate(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  }

  // --- a cell's state -------------------------------------------------------------------------

  function formOf(input) {
    return input.closest("form");
  }

  function isDirty(input) {
    return canonical(input.value) !== input.dataset.saved;
  }

  function say(input, text, kind) {
    const form = formOf(input);
    form.classList.remove("invalid", "conflict", "saved", "saving");
    let note = form.querySelector(".cell-msg");
    if (!text) {
      if (note) {
        note.remove();
      }
      input.removeAttribute("aria-invalid");
      if (kind) {
        form.classList.add(kind);
      }
      return;
    }
    if (!note) {
      note = document.createElement("div");
      note.className = "cell-msg";
      note.setAttribute("role", "alert");
      form.appendChild(note);
    }
    note.textContent = text;
    form.classList.add(kind);
    input.setAttribute("aria-invalid", "true");
  }

  function status(text) {
    statusBox.textContent = text || "";
  }

  // The server's value of a cell: the input shows it unless the user is in it or typed over it.
  function setSaved(input, value, fromOthers) {
    const before = input.dataset.saved;
    if (before === value) {
      return;
    }
    const focused = document.activeElement === input;
    const untouched = !isDirty(input) && !input.dataset.pending;
    if (fromOthers && focused && untouched) {
      input.dataset.remote = value; // taken when the user leaves the cell without typing
      return;
    }
    input.dataset.saved = value;
    adjustFooter(input, Number(value) - Number(before));
    showChange(input);
    if (!fromOthers) {
      return;
    }
    if (untouched) {
      input.value = format(value);
      const form = formOf(input);
      form.classList.add("updated");
      window.setTimeout(() => form.classList.remove("updated"), 1500);
    } else if (canonical(input.value) !== value) {
      say(
        input,
        interpolate(messages.conflict, { theirs: format(value), mine: input.value }),
        "conflict",
      );
    }
  }

  function showChange(input) {
    const approved = formOf(input).querySelector(".approved");
    if (!approved) {
      return;
    }
    const change = Number(input.dataset.saved) - Number(approved.dataset.approved);
    const delta = approved.querySelector(".delta");
    delta.textContent = signed(change);
    delta.classList.toggle("up", change > 0);
    delta.classList.toggle("down", change < 0);
  }

  // The month totals cover every family (or the filter's), most of them not on this page. A
  // value seen to change here moves them by its difference at once; a live refresh brings the
  // sums as the server has them (the changes of families not shown), summed at an inputs
  // version: one summed at an older version never replaces a newer one.
  function adjustFooter(input, difference) {
    if (!difference || !Number.isFinite(difference)) {
      return;
    }
    const row = root.querySelector(`tfoot tr[data-row="${input.dataset.field}"]`);
    if (!row) {
      return;
    }
    for (const cell of [row.querySelector(`td[data-col="${input.dataset.col}"]`), row.querySelector("td[data-total]")]) {
      if (cell) {
        cell.textContent = format(Number(cell.textContent.replace(/,/g, "")) + difference);
      }
    }
  }

  let totalsVersion = -1;

  function applyTotals(totals, version) {
    if (!totals || !totals.rows || Number(version) < totalsVersion) {
      return;
    }
    totalsVersion = Number(version);
    for (const [field, sums] of Object.entries(totals.rows)) {
      const row = root.querySelector(`tfoot tr[data-row="${field}"]`);
      if (!row) {
        continue;
      }
      sums.months.forEach((value, column) => {
        const cell = row.querySelector(`td[data-col="${column}"]`);
        if (cell) {
          cell.textContent = format(value);
        }
      });
      const total = row.querySelector("td[data-total]");
      if (total) {
        total.textContent = format(sums.total);
      }
    }
  }

  // Which fields the user may edit now (an accepted submission freezes its fields; a stage
  // change moves them). The cell being typed in keeps its text and stays open: its save
  // answers with the reason.
  let editableNow = null; // the fields the server last said the user may edit

  function applyEditable(fields) {
    if (!Array.isArray(fields)) {
      return;
    }
    const allowed = new Set(fields);
    editableNow = allowed;
    for (const input of root.querySelectorAll("input[data-line]")) {
      const may = allowed.has(input.dataset.field);
      if (!may && document.activeElement === input && isDirty(input)) {
        continue;
      }
      if (input.readOnly === may) {
        input.readOnly = !may;
        formOf(input).classList.toggle("frozen", !may);
      }
    }
  }

  // A save refused because the field's submission was accepted meanwhile: every cell of that
  // field is read-only from now on.
  function freezeField(field) {
    for (const input of root.querySelectorAll(`input[data-field="${field}"]`)) {
      input.readOnly = true;
      formOf(input).classList.add("frozen");
    }
  }

  // Everything an answer of the server brings besides its families' rows.
  function applyAnswer(body) {
    applyTotals(body.totals, body.totals_version);
    applyEditable(body.editable);
  }

  // A family's rows as the server now has them: versions, values, computed rows, totals.
  // ``mine`` holds the inputs this answer saved; every other value is somebody else's.
  function applyFamily(family, mine) {
    const body = root.querySelector(`tbody[data-family="${family.family}"]`);
    if (!body) {
      return;
    }
    family.lines.forEach((line, column) => {
      const known = versions.get(String(line.id));
      if (known === undefined || line.version >= known) {
        versions.set(String(line.id), line.version);
      }
      for (const input of body.querySelectorAll(`input[data-line="${line.id}"]`)) {
        setSaved(input, String(line[input.dataset.field]), !mine.has(input));
        const form = formOf(input);
        if (input.dataset.field === "production_plan") {
          form.classList.toggle("over-capacity", line.over_capacity);
        }
        form.querySelector("input[name=version]").value = line.version;
      }
      for (const [row, value] of [["closing_stock", line.closing_stock], ["opening_stock", line.computed_opening_stock]]) {
        const cell = body.querySelector(`tr[data-row="${row}"] td[data-col="${column}"]`);
        if (cell) {
          cell.textContent = format(value);
          cell.classList.toggle("negative", value < 0);
        }
      }
    });
    for (const row of body.querySelectorAll("tr.inputs")) {
      const total = row.querySelector("td[data-total]");
      if (total && total.textContent.trim() !== "") {
        total.textContent = format(family.lines.reduce((sum, line) => sum + line[row.dataset.row], 0));
      }
    }
  }

  // --- saving -----------------------------------------------------------------------------------

  async function post(cells) {
    const response = await fetch(root.dataset.cellsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken, Accept: "application/json" },
      body: JSON.stringify({ cells }),
    });
    let body = {};
    try {
      body = await response.json();
    } catch (error) {
      body = {};
    }
    return { ok: response.ok, status: response.status, body };
  }

  function after(lineIds, job) {
    const waits = lineIds.map((id) => chains.get(id) || Promise.resolve());
    const guarded = () => job().catch(() => undefined);
    const run = Promise.all(waits).then(guarded, guarded);
    for (const id of lineIds) {
      chains.set(id, run);
    }
    return run;
  }

  function refusalText(body) {
    if (typeof body.detail === "string") {
      return body.detail;
    }
    const texts = [];
    for (const value of Object.values(body)) {
      texts.push(...(Array.isArray(value) ? value : [JSON.stringify(value)]));
    }
    return texts.join(" ") || messages.failed;
  }

  function markRefused(inputsByKey, refused) {
    for (const cell of refused) {
      const input = inputsByKey.get(`${cell.line}:${cell.field}`);
      if (!input) {
        continue;
      }
      if (cell.code === "version_conflict") {
        versions.set(String(cell.line), cell.current_version);
        const theirs = String(cell.current);
        const mine = input.dataset.attempt || input.value;
        if (input.dataset.saved !== theirs) {
          adjustFooter(input, Number(theirs) - Number(input.dataset.saved));
          input.dataset.saved = theirs;
          showChange(input);
        }
        say(input, interpolate(messages.conflict, { theirs: format(theirs), mine }), "conflict");
      } else {
        const attempt = input.dataset.attempt;
        say(input, attempt && attempt !== input.value ? `${attempt}: ${cell.message}` : cell.message, "invalid");
      }
    }
  }

  // Save one cell after the saves of its line that are already on their way.
  function commit(input) {
    if (input.readOnly) {
      return;
    }
    const value = canonical(input.value);
    if (value === input.dataset.saved && !input.dataset.pending) {
      if (formOf(input).classList.contains("invalid")) {
        say(input, "", null);
      }
      return;
    }
    if (value === input.dataset.pending) {
      return; // already on its way (Enter, then leaving the cell)
    }
    input.dataset.pending = value;
    formOf(input).classList.add("saving");
    const line = input.dataset.line;
    after([line], async () => {
      if (input.dataset.pending !== value) {
        return; // a later commit of this cell carries the newer value
      }
      if (value === input.dataset.saved) {
        delete input.dataset.pending;
        say(input, "", null);
        return;
      }
      const attempt = input.value;
      input.dataset.attempt = attempt;
      let answer;
      try {
        answer = await post([{ line: Number(line), field: input.dataset.field, value, version: versions.get(line) }]);
      } catch (error) {
        delete input.dataset.pending;
        say(input, messages.offline, "invalid");
        return;
      }
      delete input.dataset.pending;
      if (answer.ok) {
        const previous = input.dataset.saved;
        for (const family of answer.body.families) {
          applyFamily(family, new Set([input]));
        }
        applyAnswer(answer.body);
        if (input.dataset.saved === previous && value !== previous) {
          input.dataset.saved = value; // the answer always names the line; belt and braces
        }
        if (document.activeElement !== input && canonical(input.value) === value) {
          input.value = format(input.dataset.saved);
        }
        say(input, "", isDirty(input) ? null : "saved");
      } else if (answer.body.cells) {
        markRefused(new Map([[`${line}:${input.dataset.field}`, input]]), answer.body.cells);
      } else {
        if (answer.body.code === "submission_accepted") {
          freezeField(answer.body.field || input.dataset.field); // the text stays until Escape
        }
        say(input, refusalText(answer.body), "invalid");
      }
      delete input.dataset.attempt;
    });
  }

  // --- moving around ---------------------------------------------------------------------------

  function rowsWith(column) {
    return Array.from(root.querySelectorAll("tr.inputs")).filter((row) =>
      row.querySelector(`input[data-col="${column}"]`),
    );
  }

  function move(input, rowStep, columnStep) {
    let target = null;
    if (rowStep) {
      const rows = rowsWith(input.dataset.col);
      const index = rows.indexOf(input.closest("tr"));
      const row = rows[index + rowStep];
      target = row ? row.querySelector(`input[data-col="${input.dataset.col}"]`) : null;
    } else {
      const row = input.closest("tr");
      target = row.querySelector(`input[data-col="${Number(input.dataset.col) + columnStep}"]`);
    }
    if (target) {
      target.focus();
      target.select();
    }
    return target;
  }

  root.addEventListener("focusin", (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && input.dataset.line) {
      input.select();
    }
  });

  root.addEventListener("focusout", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.line) {
      return;
    }
    if (input.dataset.remote !== undefined) {
      // Somebody else's value arrived while the user was in the cell: shown now, unless the
      // user typed over it (then theirs is marked, and the user's own value is saved).
      const remote = input.dataset.remote;
      delete input.dataset.remote;
      setSaved(input, remote, true);
    }
    commit(input);
    // Left open while it was typed in, then frozen: read-only now that nothing of it is pending.
    if (editableNow && !editableNow.has(input.dataset.field) && !isDirty(input)) {
      input.readOnly = true;
      formOf(input).classList.add("frozen");
    }
  });

  root.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.line || event.isComposing) {
      return;
    }
    const atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    const atEnd = input.selectionStart === input.value.length && input.selectionEnd === input.value.length;
    const allSelected = input.selectionStart === 0 && input.selectionEnd === input.value.length;
    switch (event.key) {
      case "Enter":
        event.preventDefault(); // the form would post the page
        commit(input);
        move(input, event.shiftKey ? -1 : 1, 0);
        break;
      case "Escape":
        event.preventDefault();
        delete input.dataset.remote;
        input.value = format(input.dataset.saved);
        say(input, "", null);
        input.select();
        break;
      case "ArrowUp":
      case "ArrowDown":
        event.preventDefault();
        move(input, event.key === "ArrowUp" ? -1 : 1, 0);
        break;
      case "ArrowLeft":
        if (atStart || allSelected) {
          event.preventDefault();
          move(input, 0, -1);
        }
        break;
      case "ArrowRight":
        if (atEnd || allSelected) {
          event.preventDefault();
          move(input, 0, 1);
        }
        break;
      default:
        break;
    }
  });

  // Without JavaScript the cell's form posts; with it, Enter is handled above.
  root.addEventListener("submit", (event) => {
    if (event.target.closest(".cell-form")) {
      event.preventDefault();
    }
  });

  // --- paste a block ---------------------------------------------------------------------------

  function parseBlock(text) {
    const rows = text.replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n");
    return rows.map((row) => row.split("\t"));
  }

  // Where a pasted block lands, as a spreadsheet would put it: from the focused cell, the
  // family's rows as shown (computed rows included) and its months. Returns the cells to
  // save, the cells refused (read-only or computed), and how many rows fell beyond the family;
  // null when a column falls beyond the last month (nothing is pasted then).
  function blockTargets(start, block) {
    const rows = Array.from(start.closest("tbody").querySelectorAll("tr[data-row]"));
    const first = rows.indexOf(start.closest("tr"));
    const firstColumn = Number(start.dataset.col);
    const months = root.querySelectorAll("thead th.num:not(.total-col)").length;
    const cells = [];
    const refused = [];
    let beyond = 0;
    for (const [rowOffset, values] of block.entries()) {
      const row = rows[first + rowOffset];
      const filled = values.some((raw) => raw.trim() !== "");
      if (!row) {
        beyond += filled ? 1 : 0;
        continue;
      }
      for (const [columnOffset, raw] of values.entries()) {
        if (raw.trim() === "") {
          continue; // an empty spreadsheet cell changes nothing
        }
        const column = firstColumn + columnOffset;
        if (column >= months) {
          return null;
        }
        const input = row.querySelector(`input[data-col="${column}"]`);
        if (input && !input.readOnly) {
          cells.push({ input, value: canonical(raw), raw: raw.trim() });
        } else {
          refused.push(input || row.querySelector(`td[data-col="${column}"]`));
        }
      }
    }
    return { cells, refused, beyond };
  }

  function clearPasteMarks() {
    for (const cell of root.querySelectorAll(".paste-refused")) {
      cell.classList.remove("paste-refused");
      cell.removeAttribute("title");
    }
  }

  // A refused cell of a paste: an input keeps its value and says why; a computed cell is
  // outlined, with the reason on hover.
  function markPasteRefused(cells) {
    for (const cell of cells) {
      if (cell instanceof HTMLInputElement) {
        say(cell, messages.pasteRefusedCell, "invalid");
      } else if (cell) {
        cell.classList.add("paste-refused");
        cell.title = messages.pasteRefusedCell;
      }
    }
  }

  function pasteSummary(familyCode, saved, refused, beyond) {
    const parts = [];
    if (saved) {
      parts.push(interpolate(plural(messages.pasted, saved), { family: familyCode }));
    }
    if (refused) {
      parts.push(plural(messages.pasteRefused, refused));
    }
    if (beyond) {
      parts.push(plural(messages.pasteBeyond, beyond));
    }
    return parts.join(" ");
  }

  root.addEventListener("paste", (event) => {
    const start = event.target;
    if (!(start instanceof HTMLInputElement) || !start.dataset.line || !event.clipboardData) {
      return;
    }
    const text = event.clipboardData.getData("text/plain");
    const block = parseBlock(text);
    if (block.length === 1 && block[0].length === 1) {
      return; // one value: the browser pastes it into the cell
    }
    event.preventDefault();
    clearPasteMarks();
    const targets = blockTargets(start, block);
    if (!targets) {
      status(messages.pasteTooBig);
      return;
    }
    const { cells, refused, beyond } = targets;
    const familyCode = start.closest("tbody").querySelector(".family-code").textContent;
    markPasteRefused(refused);
    if (!cells.length) {
      status(pasteSummary(familyCode, 0, refused.length, beyond) || messages.failed);
      return;
    }
    const inputs = new Map();
    for (const { input, raw } of cells) {
      input.dataset.attempt = raw;
      inputs.set(`${input.dataset.line}:${input.dataset.field}`, input);
      say(input, "", "saving");
    }
    status(messages.saving);
    const lines = Array.from(new Set(cells.map(({ input }) => input.dataset.line)));
    after(lines, async () => {
      let answer;
      try {
        answer = await post(
          cells.map(({ input, value }) => ({
            line: Number(input.dataset.line),
            field: input.dataset.field,
            value,
            version: versions.get(input.dataset.line),
          })),
        );
      } catch (error) {
        for (const { input } of cells) {
          say(input, "", null);
        }
        status(messages.offline);
        return;
      }
      for (const { input } of cells) {
        say(input, "", null);
      }
      if (answer.ok) {
        const mine = new Set(cells.map(({ input }) => input));
        for (const family of answer.body.families) {
          applyFamily(family, mine);
        }
        applyAnswer(answer.body);
        for (const { input } of cells) {
          input.value = format(input.dataset.saved);
          say(input, "", "saved");
        }
        status(pasteSummary(familyCode, cells.length, refused.length, beyond));
      } else {
        if (answer.body.cells) {
          markRefused(inputs, answer.body.cells);
        } else if (answer.body.code === "submission_accepted" && answer.body.field) {
          freezeField(answer.body.field);
        }
        status(refusalText(answer.body));
      }
      for (const { input } of cells) {
        delete input.dataset.attempt;
      }
    });
  });

  // --- other people's changes (the live channel) ------------------------------------------------

  let waiting = new Set();
  let totalsDue = false;
  let editableDue = false;
  let timer = null;

  // Asks for the families waiting (if any), the month totals, and the fields the user may
  // edit now.
  async function refresh() {
    timer = null;
    const ids = Array.from(waiting);
    waiting = new Set();
    editableDue = false; // every answer says which fields may be edited
    const asked = ids.map((id) => `family=${encodeURIComponent(id)}`);
    if (totalsDue) {
      asked.push("totals=1");
      totalsDue = false;
    }
    try {
      const response = await fetch(withQuery(`${root.dataset.rowsUrl}?${asked.join("&")}`), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) {
        return;
      }
      const body = await response.json();
      for (const family of body.families) {
        applyFamily(family, new Set());
      }
      applyAnswer(body);
    } catch (error) {
      // the next event or the next save brings the rows
    }
  }

  // "lines": rows (of the families shown) and totals (of all) changed; "submission" and
  // "stage": which fields may be edited may have changed.
  const REFRESHING_KINDS = ["lines", "analysis", "submission", "stage"];

  document.addEventListener("sop:cycle-changed", (event) => {
    const detail = event.detail || {};
    if (Number(detail.cycle) !== cycleId || !REFRESHING_KINDS.includes(detail.kind)) {
      return;
    }
    totalsDue = totalsDue || detail.kind === "lines";
    editableDue = editableDue || detail.kind === "submission" || detail.kind === "stage";
    if (detail.kind === "lines" || detail.kind === "analysis") {
      const shown = Array.from(root.querySelectorAll("tbody[data-family]"), (body) => body.dataset.family);
      const named = Array.isArray(detail.families) ? detail.families.map(String) : shown;
      for (const id of named) {
        if (shown.includes(id)) {
          waiting.add(id);
        }
      }
    }
    if ((waiting.size || totalsDue || editableDue) && timer === null) {
      timer = window.setTimeout(refresh, 50);
    }
  });
})();
