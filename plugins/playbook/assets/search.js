/* The header search on Pagefind (the playbook plugin's `search: pagefind`).

   The box is Material's (partials/search.html, replaced by playbook/search.html): Material's
   styles open it when the #__search toggle is checked. This script checks the toggle on focus,
   loads Pagefind on first use (pagefind/pagefind.js, its WebAssembly and the index chunks a query
   needs), shows results while typing with each item's type and competencies, and, folded behind
   a "Filter" button so that results come first, filter chips (type, competency, level,
   modality) with the number of results each would leave.

   Keyboard: / or s focuses the box; Down and Up move through the results, Enter in the box opens
   the first result, Tab reaches the chips and results, Escape closes.
   Every value shown comes from the index as text (textContent); Pagefind's excerpt is HTML with
   entities encoded and <mark> around matches, and only those <mark> tags are kept. */
(function () {
  "use strict";
  var script = document.currentScript;
  var root = document.querySelector("[data-pb-search]");
  if (!root || !script) return;

  var FACETS = [["type", "Type"], ["competency", "Competency"], ["level", "Level"], ["modality", "Modality"]];
  var PAGE = 8; // results whose data (one small fragment each) is loaded at a time
  var CHIPS = 8; // chips shown per facet before "more"
  var RANKING = { termFrequency: 0.5, termSaturation: 0.8 };

  // assets/playbook/search.js -> the site's root, wherever the site is served from
  var siteRoot = new URL("../../", script.src);
  var form = root.querySelector("[data-pb-search-form]");
  var input = root.querySelector("[data-pb-search-input]");
  var status = root.querySelector("[data-pb-search-status]");
  var list = root.querySelector("[data-pb-search-results]");
  var chipsBox = root.querySelector("[data-pb-search-filters]");
  var chipsToggle = root.querySelector("[data-pb-search-filter-toggle]");
  var chipsOpen = false; // the chips show only when asked for
  var more = root.querySelector("[data-pb-search-more]");
  var browse = root.querySelector("[data-pb-search-browse]");
  var browseLink = browse.querySelector("a");
  var browseUrl = browseLink.getAttribute("href");
  var toggle = document.getElementById("__search");

  var chosen = {}; // facet -> [names]
  var expanded = {}; // facet -> true when all its chips show
  FACETS.forEach(function (f) { chosen[f[0]] = []; });
  var loading = null; // Promise of the Pagefind module
  var counting = null; // Promise: the facets' filter chunks are loaded, so searches count them
  var generation = 0; // the latest search; older ones are dropped when they come back
  var results = []; // the latest search's results
  var searched = ""; // and its words
  var shown = 0;

  function pagefind() {
    if (!loading) {
      loading = import(new URL("pagefind/pagefind.js", siteRoot).href).then(function (module) {
        // Ranking: a word repeated through a long page counts less than Pagefind's default
        // (termFrequency 1, termSaturation 1.4), so that the weights of the title (10) and the
        // summary (3) decide: tests/test_relevance.py measures it on the bundled library
        return module.options({
          baseUrl: siteRoot.pathname,
          excerptLength: 18,
          ranking: RANKING
        })
          .then(function () { return module.init(); })
          .then(function () { return module; });
      });
      loading.catch(function () { loading = null; });
    }
    return loading;
  }

  // the browse page's search box (browse.js) shares this loader
  window.playbookPagefind = pagefind;

  function facetCounts(module, term) {
    // Load the four facets' filter chunks once, with the first term's index chunk: from then on
    // every search counts their values. (Pagefind's filters() would load every filter, and a
    // search without a term would load the whole index: neither is done here.)
    if (!counting) {
      var wanted = {};
      FACETS.forEach(function (f) { wanted[f[0]] = []; });
      counting = module.preload(term, { filters: wanted });
      counting.catch(function () { counting = null; });
    }
    return counting;
  }

  function filters() {
    var active = {};
    FACETS.forEach(function (f) {
      if (chosen[f[0]].length) active[f[0]] = { all: chosen[f[0]].slice() };
    });
    return active;
  }

  function filtered() {
    return FACETS.some(function (f) { return chosen[f[0]].length > 0; });
  }

  function open() {
    if (toggle && !toggle.checked) toggle.checked = true;
  }

  function close() {
    // as Material's own search does: the panel closes and the focus leaves it (a chip or a
    // result keeping it would be focused while hidden)
    if (toggle) toggle.checked = false;
    if (root.contains(document.activeElement)) document.activeElement.blur();
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function words(text) {
    return String(text || "").split(/\s+/).filter(Boolean).length;
  }

  function excerpt(html) {
    // Pagefind encodes the page's text; keep its <mark> tags and nothing else
    var node = el("p", "pb-hit__excerpt");
    node.innerHTML = String(html || "").replace(/<(?!\/?mark>)/g, "&lt;");
    return node;
  }

  // the start of each word searched for: enough to tell "mentoring" in "Mentor briefing"
  function stems(term) {
    return String(term).toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(function (w) {
      return w.length > 2;
    }).map(function (w) { return w.slice(0, 5); });
  }

  function hit(data, term) {
    var meta = data.meta || {};
    var facets = data.filters || {};
    var item = el("li", "md-search-result__item");
    var link = el("a", "md-search-result__link pb-hit");
    link.href = data.url;
    var article = el("div", "md-search-result__article pb-hit__article");
    var head = el("p", "pb-hit__head");
    head.appendChild(el("span", "pb-hit__title", meta.title || data.url));
    (facets.type || []).forEach(function (name) {
      head.appendChild(document.createTextNode(" "));
      head.appendChild(el("span", "pb-type", name));
    });
    if (!(facets.type || []).length) {
      head.appendChild(document.createTextNode(" "));
      head.appendChild(el("span", "pb-type pb-type--page", "Page"));
    }
    article.appendChild(head);
    var competencies = facets.competency || [];
    if (competencies.length) {
      var chips = el("p", "pb-hit__chips");
      competencies.forEach(function (name) { chips.appendChild(el("span", "pb-chip", name)); });
      article.appendChild(chips);
    }
    if (meta.summary) article.appendChild(el("p", "pb-hit__summary", meta.summary));
    // An item's text starts with its title, type and summary, shown above: the excerpt is worth
    // its line only when they hold none of the words searched for and a match lies further on
    // (the fields or the body), not in the synonyms at its end (item.html), which are not the
    // item's own words. Fewer lines a result: five fit a laptop's screen.
    var lead = words(meta.title) + words((facets.type || []).join(" ")) + words(meta.summary);
    var aside = words(String(meta.synonyms || "").replace(/___END_PAGEFIND_WEIGHT___/g, " "));
    var own = (data.word_count || Infinity) - aside;
    var further = (data.locations || []).some(function (at) { return at >= lead && at < own; });
    var told = (String(meta.title) + " " + String(meta.summary || "")).toLowerCase();
    var answered = stems(term).some(function (stem) { return told.indexOf(stem) !== -1; });
    if (!meta.summary || (further && !answered)) article.appendChild(excerpt(data.excerpt));
    link.appendChild(article);
    item.appendChild(link);
    return item;
  }

  function describe(count, term) {
    var what = count === 0 ? "No results" : count === 1 ? "1 result" : count + " results";
    var parts = [];
    FACETS.forEach(function (f) { parts = parts.concat(chosen[f[0]]); });
    return what + (term ? " for \u201c" + term + "\u201d" : "") +
      (parts.length ? " in " + parts.join(", ") : "");
  }

  function renderChips(counts) {
    chipsBox.textContent = "";
    var any = false;
    FACETS.forEach(function (f) {
      var facet = f[0];
      var values = counts && counts[facet] ? counts[facet] : {};
      var names = Object.keys(values).filter(function (name) {
        return values[name] > 0 || chosen[facet].indexOf(name) !== -1;
      });
      chosen[facet].forEach(function (name) { if (names.indexOf(name) === -1) names.push(name); });
      if (!names.length) return;
      names.sort(function (a, b) {
        var pa = chosen[facet].indexOf(a) !== -1, pb = chosen[facet].indexOf(b) !== -1;
        if (pa !== pb) return pa ? -1 : 1;
        return (values[b] || 0) - (values[a] || 0) || a.localeCompare(b);
      });
      any = true;
      var group = el("div", "pb-search-facet");
      group.setAttribute("role", "group");
      var label = el("span", "pb-search-facet__label", f[1]);
      label.id = "pb-search-facet-" + facet;
      group.setAttribute("aria-labelledby", label.id);
      group.appendChild(label);
      var limit = expanded[facet] ? names.length : CHIPS;
      names.slice(0, limit).forEach(function (name) {
        var on = chosen[facet].indexOf(name) !== -1;
        var chip = el("button", "pb-search-chip");
        chip.type = "button";
        chip.setAttribute("aria-pressed", on ? "true" : "false");
        chip.setAttribute("data-facet", facet);
        chip.setAttribute("data-value", name);
        chip.appendChild(el("span", "pb-search-chip__name", name));
        if (!on && values[name] !== undefined) {
          chip.appendChild(el("span", "pb-search-chip__count", String(values[name])));
        }
        group.appendChild(chip);
      });
      if (names.length > CHIPS) {
        var toggleMore = el("button", "pb-search-chip pb-search-chip--more",
          expanded[facet] ? "Fewer" : "+" + (names.length - CHIPS) + " more");
        toggleMore.type = "button";
        toggleMore.setAttribute("data-more", facet);
        toggleMore.setAttribute("aria-expanded", expanded[facet] ? "true" : "false");
        group.appendChild(toggleMore);
      }
      chipsBox.appendChild(group);
    });
    showChips(any);
  }

  function showChips(any) {
    var active = 0;
    FACETS.forEach(function (f) { active += chosen[f[0]].length; });
    chipsToggle.hidden = !any;
    chipsToggle.textContent = active ? "Filter (" + active + ")" : "Filter";
    chipsToggle.setAttribute("aria-expanded", chipsOpen ? "true" : "false");
    chipsBox.hidden = !any || !chipsOpen;
  }

  function showMore(mine) {
    var next = results.slice(shown, shown + PAGE);
    shown += next.length;
    return Promise.all(next.map(function (r) { return r.data(); })).then(function (data) {
      if (mine !== generation) return;
      data.forEach(function (d) { list.appendChild(hit(d, searched)); });
      more.hidden = shown >= results.length;
    });
  }

  function idle(text) {
    generation += 1;
    results = [];
    shown = 0;
    list.textContent = "";
    more.hidden = true;
    browse.hidden = true;
    chipsBox.hidden = true;
    chipsToggle.hidden = true;
    status.textContent = text;
  }

  function search() {
    var term = input.value.trim();
    if (!term) {
      var kept = [];
      FACETS.forEach(function (f) { kept = kept.concat(chosen[f[0]]); });
      idle(kept.length ? "Type to search within " + kept.join(", ") : "Type to search the library");
      return Promise.resolve();
    }
    var mine = ++generation;
    root.setAttribute("aria-busy", "true");
    return pagefind().then(function (module) {
      return facetCounts(module, term).then(function () {
        if (mine !== generation) return null;
        return module.search(term, { filters: filters() });
      }).then(function (found) {
        if (!found || mine !== generation) return null;
        results = found.results;
        searched = term;
        shown = 0;
        list.textContent = "";
        return showMore(mine).then(function () {
          if (mine !== generation) return;
          status.textContent = describe(results.length, term);
          root.setAttribute("aria-busy", "false");
          // the browse page takes the chips too: it matches a facet's value by id or name
          var query = new URLSearchParams({ q: term });
          FACETS.forEach(function (f) {
            chosen[f[0]].forEach(function (name) { query.append(f[0], name); });
          });
          browseLink.href = browseUrl + "?" + query.toString().replace(/\+/g, "%20");
          browse.hidden = results.length === 0;
          renderChips(found.filters);
        });
      });
    }).catch(function () {
      if (mine !== generation) return;
      root.setAttribute("aria-busy", "false");
      status.textContent = location.protocol === "file:"
        ? "Search needs the site to be served over http(s); browse lists everything."
        : "Search is unavailable: its index did not load.";
    });
  }

  // Wait for a pause in typing: each search loads the index chunks of its words, so searching
  // every prefix ("c", "co", "coa", ...) would fetch chunks the reader never needed.
  var typing = 0;
  function searchSoon() {
    clearTimeout(typing);
    generation += 1; // a search still running is now stale
    typing = setTimeout(function () { typing = 0; search(); }, 160);
  }

  function links() {
    return Array.prototype.slice.call(list.querySelectorAll("a.md-search-result__link"));
  }

  input.addEventListener("focus", function () {
    open();
    pagefind(); // start loading while the reader types
  });
  input.addEventListener("input", searchSoon);
  form.addEventListener("submit", function (event) {
    // Enter in the box opens the first result, once the words typed so far have been searched
    event.preventDefault();
    var ready = typing ? (clearTimeout(typing), typing = 0, search()) : Promise.resolve();
    ready.then(function () {
      var first = links()[0];
      if (first) first.click();
    });
  });
  form.addEventListener("reset", function () {
    FACETS.forEach(function (f) { chosen[f[0]] = []; });
    setTimeout(function () { search(); input.focus(); }, 0);
  });
  chipsBox.addEventListener("click", function (event) {
    var chip = event.target.closest("button");
    if (!chip) return;
    var facet = chip.getAttribute("data-more");
    if (facet) {
      expanded[facet] = !expanded[facet];
    } else {
      facet = chip.getAttribute("data-facet");
      var name = chip.getAttribute("data-value");
      var at = chosen[facet].indexOf(name);
      if (at === -1) chosen[facet].push(name); else chosen[facet].splice(at, 1);
    }
    var selector = facet && chip.getAttribute("data-value") !== null
      ? 'button[data-facet="' + facet + '"][data-value="' + CSS.escape(chip.getAttribute("data-value")) + '"]'
      : 'button[data-more="' + facet + '"]';
    search().then(function () {
      // keep the keyboard where it was: on the same chip, redrawn
      var again = chipsBox.querySelector(selector);
      if (again) again.focus();
    });
  });
  chipsToggle.addEventListener("click", function () {
    chipsOpen = !chipsOpen;
    showChips(chipsBox.childNodes.length > 0);
    if (chipsOpen) {
      var first = chipsBox.querySelector("button");
      if (first) first.focus();
    }
  });
  more.addEventListener("click", function () {
    var count = links().length;
    showMore(generation).then(function () {
      var next = links()[count];
      if (next) next.focus();
    });
  });

  root.addEventListener("keydown", function (event) {
    var all = links();
    var at = all.indexOf(document.activeElement);
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "ArrowDown" && (document.activeElement === input || at !== -1)) {
      event.preventDefault();
      var next = all[at + 1];
      if (next) next.focus();
    } else if (event.key === "ArrowUp" && at !== -1) {
      event.preventDefault();
      (at > 0 ? all[at - 1] : input).focus();
    }
  });
  // leaving the search with Tab (or a click elsewhere) closes it
  root.addEventListener("focusout", function (event) {
    if (event.relatedTarget && !root.contains(event.relatedTarget)) {
      if (toggle) toggle.checked = false;
    }
  });
  if (toggle) {
    // the header's magnifier (phones) checks the toggle: put the caret in the box
    toggle.addEventListener("change", function () {
      if (toggle.checked && document.activeElement !== input) input.focus();
    });
  }
  document.addEventListener("keydown", function (event) {
    if (event.metaKey || event.ctrlKey || event.altKey) return;
    if (event.key !== "/" && event.key !== "s" && event.key !== "f") return;
    var active = document.activeElement;
    if (active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName))) return;
    event.preventDefault();
    input.focus();
    input.select();
  });
})();
