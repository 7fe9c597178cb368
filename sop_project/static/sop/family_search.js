// Family inputs (data-family-search) suggest the cycle's families as the user types: the page
// never lists every family (a unit may have ten thousand); a small search answers at most a few.
// "one": the input holds one code; "many": codes separated by commas (codes may hold spaces),
// the last one is searched.
// Without this script the code typed by hand is read just the same.
(function () {
  "use strict";
  const DELAY_MS = 150;
  let timer = null;
  let asked = null;

  function parts(input) {
    if (input.dataset.familySearch !== "many") return { head: "", term: input.value.trim() };
    const cut = Math.max(...[",", "，", ";", "；"].map((mark) => input.value.lastIndexOf(mark)));
    return { head: input.value.slice(0, cut + 1), term: input.value.slice(cut + 1).trim() };
  }

  async function suggest(input) {
    const list = document.getElementById(input.getAttribute("list"));
    if (!list || !list.dataset.searchUrl) return;
    const { head, term } = parts(input);
    const key = `${head}\u0000${term}`;
    if (key === asked) return;
    asked = key;
    let body;
    try {
      const response = await fetch(`${list.dataset.searchUrl}?q=${encodeURIComponent(term)}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) return;
      body = await response.json();
    } catch (error) {
      return; // no suggestions: the code can still be typed
    }
    if (asked !== key) return; // a later keystroke asked again meanwhile
    list.replaceChildren(
      ...body.families.map((family) => {
        const option = document.createElement("option");
        option.value = head + family.code;
        option.label = family.name;
        option.textContent = family.name;
        return option;
      }),
    );
  }

  function schedule(event) {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.familySearch) return;
    clearTimeout(timer);
    timer = setTimeout(() => suggest(input), event.type === "focusin" ? 0 : DELAY_MS);
  }

  document.addEventListener("input", schedule);
  document.addEventListener("focusin", schedule);
})();
