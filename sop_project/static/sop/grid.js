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
// * A block pasted from Excel or WPS (tab-separated rows) is saved in one request, all or
//   nothing; refused cells are marked with the reason.
// * "sop:cycle-changed" events (the live channel) refresh the rows other people changed.
// Without JavaScript every cell is a plain form that posts and comes back to the page.
(function () {
  "use strict";
  const root = document.querySelector("[data-grid]");
  if (!root) {
    return;
  }
  const messages = JSON.parse(document.getElementById("grid-messages").textContent);
  const cycleId = Number(root.dataset.cycle);
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
    const rows = rowsWith(start.dataset.col);
    const first = rows.indexOf(start.closest("tr"));
    const cells = [];
    const inputs = new Map();
    for (const [rowOffset, values] of block.entries()) {
      for (const [columnOffset, raw] of values.entries()) {
        if (raw.trim() === "") {
          continue; // an empty spreadsheet cell changes nothing
        }
        const row = rows[first + rowOffset];
        const input = row
          ? row.querySelector(`input[data-col="${Number(start.dataset.col) + columnOffset}"]`)
          : null;
        if (!input) {
          status(messages.pasteTooBig);
          return;
        }
        if (input.readOnly) {
          status(interpolate(messages.pasteReadOnly, { cell: input.getAttribute("aria-label") }));
          return;
        }
        const value = canonical(raw);
        input.dataset.attempt = raw.trim();
        inputs.set(`${input.dataset.line}:${input.dataset.field}`, input);
        cells.push({ input, value });
      }
    }
    if (!cells.length) {
      return;
    }
    for (const { input } of cells) {
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
        for (const { input } of cells) {
          input.value = format(input.dataset.saved);
          say(input, "", "saved");
        }
        status(interpolate(messages.pasted, { count: cells.length }));
      } else {
        if (answer.body.cells) {
          markRefused(inputs, answer.body.cells);
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
  let timer = null;

  async function refresh() {
    timer = null;
    const ids = Array.from(waiting);
    waiting = new Set();
    if (!ids.length) {
      return;
    }
    const query = ids.map((id) => `family=${encodeURIComponent(id)}`).join("&");
    try {
      const response = await fetch(`${root.dataset.rowsUrl}?${query}`, {
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
    } catch (error) {
      // the next event or the next save brings the rows
    }
  }

  document.addEventListener("sop:cycle-changed", (event) => {
    const detail = event.detail || {};
    if (Number(detail.cycle) !== cycleId || (detail.kind !== "lines" && detail.kind !== "analysis")) {
      return;
    }
    const shown = Array.from(root.querySelectorAll("tbody[data-family]"), (body) => body.dataset.family);
    const named = Array.isArray(detail.families) ? detail.families.map(String) : shown;
    for (const id of named) {
      if (shown.includes(id)) {
        waiting.add(id);
      }
    }
    if (waiting.size && timer === null) {
      timer = window.setTimeout(refresh, 50);
    }
  });
})();
