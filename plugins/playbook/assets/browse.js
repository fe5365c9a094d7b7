/* Browse page: filter by type, competency, level, modality (...) with live counts, search, sort.
   The choice lives in the URL (?q=words&competency=a&competency=b&type=playbook&sort=newest) so it
   can be shared. Within a facet, values are alternatives (OR); across facets, all must hold (AND).

   The facets are folded into a bar of buttons (aria-expanded), each opening its values below the
   bar, one at a time; on a phone the bar sits behind one "Filters" button (the CSS decides what a
   phone is) that counts the active filters. Escape closes what is open and gives the focus back
   to its button.

   With search on Pagefind (search.js), a search box narrows the list to the items a query
   matches (?q=words), and the facets count within those: Pagefind's `item` filter, counted for
   one search, says which items match, without loading each result. With a query the list is in
   Pagefind's order ("Relevance"): which item a result is comes from the result's own data (one
   small fragment each, about 4 KB), so results are ranked a batch at a time: the first batch
   with the search, the next ones when the first card not ranked yet comes near the screen (as
   the reader scrolls, or when the facets leave few cards), up to RANK_MOST. A match not ranked
   yet follows the ranked ones, by title. "Newest" sorts by each card's data-date (its review
   date, else its last edit; undated last), "Title" is the page's own order.

   Without JavaScript the form stays hidden and every card is listed, by title. Every value shown
   is set as text (textContent), never as HTML. */
(function () {
  "use strict";
  var BATCH = 20; // results whose data is loaded at once
  var RANK_MOST = 400; // the most results ranked for one query (the rest stay by title)
  var NEAR = 600; // px: a card not ranked yet closer than that below the screen is ranked
  var SORTS = ["relevance", "title", "newest"];

  var root = document.querySelector("[data-pb-browse]");
  if (!root) return;
  var form = root.querySelector("[data-pb-facets]");
  var query = form.querySelector("[data-pb-browse-q]");
  var sortBox = form.querySelector("[data-pb-sort]");
  var relevance = sortBox.querySelector('option[value="relevance"]');
  var list = root.querySelector("[data-pb-items]");
  var cards = Array.prototype.slice.call(list.children);
  var shown = root.querySelector("[data-pb-shown]");
  var filtersButton = form.querySelector("[data-pb-filters]");
  var bar = form.querySelector("[data-pb-facet-bar]");
  var toggles = Array.prototype.slice.call(form.querySelectorAll("[data-pb-toggle]"));
  var facets = Array.prototype.map.call(form.querySelectorAll("fieldset[data-facet]"), function (f) {
    return f.getAttribute("data-facet");
  });
  var values = cards.map(function (card) {
    var v = {};
    facets.forEach(function (facet) {
      var raw = card.getAttribute("data-" + facet) || "";
      v[facet] = raw ? raw.split(" ") : [];
    });
    return v;
  });
  var ids = cards.map(function (card) { return card.getAttribute("data-id"); });
  var dates = cards.map(function (card) { return card.getAttribute("data-date") || ""; });

  var matched = null; // null: no query; else the set of ids the query matches
  var rank = Object.create(null); // id -> place in Pagefind's results
  var hits = []; // the query's results, in Pagefind's order
  var ranked = 0; // how many of them are ranked
  var ranking = false; // a batch is loading
  var watched = null; // the first card shown that is not ranked yet
  var term = "";
  var problem = "";
  var sortChoice = ""; // what the reader chose ("" follows the default)

  // ------------------------------------------------------------------ filter, sort, show

  function selected() {
    var chosen = {};
    facets.forEach(function (facet) {
      chosen[facet] = Array.prototype.map.call(
        form.querySelectorAll('input[name="' + facet + '"]:checked'), function (i) { return i.value; });
    });
    return chosen;
  }

  function matches(v, chosen, except) {
    return facets.every(function (facet) {
      if (facet === except || chosen[facet].length === 0) return true;
      return chosen[facet].some(function (value) { return v[facet].indexOf(value) !== -1; });
    });
  }

  function found(i) {
    return matched === null || matched[ids[i]] === true;
  }

  function sortDefault() {
    return term ? "relevance" : "title";
  }

  function sortNow() {
    var sort = sortChoice || sortDefault();
    return sort === "relevance" && !term ? "title" : sort;
  }

  function before(a, b, sort) {
    if (sort === "relevance") {
      var ra = rank[ids[a]], rb = rank[ids[b]];
      if (ra !== rb) {
        if (ra === undefined) return 1;
        if (rb === undefined) return -1;
        return ra - rb;
      }
    } else if (sort === "newest" && dates[a] !== dates[b]) {
      if (!dates[a]) return 1;
      if (!dates[b]) return -1;
      return dates[a] < dates[b] ? 1 : -1;
    }
    return a - b; // the page's own order: by title
  }

  function order(sort) {
    var wanted = cards.map(function (_card, i) { return i; });
    wanted.sort(function (a, b) { return before(a, b, sort); });
    var now = list.children;
    var same = wanted.every(function (i, at) { return now[at] === cards[i]; });
    if (same) return;
    var moved = document.createDocumentFragment();
    wanted.forEach(function (i) { moved.appendChild(cards[i]); });
    list.appendChild(moved);
  }

  function badge(el, n) {
    el.hidden = n === 0;
    el.querySelector("[data-pb-n]").textContent = String(n);
  }

  function update(pushUrl) {
    var chosen = selected();
    var count = 0;
    cards.forEach(function (card, i) {
      var ok = found(i) && matches(values[i], chosen, null);
      card.hidden = !ok;
      if (ok) count += 1;
    });
    var active = 0;
    facets.forEach(function (facet) {
      var tally = {};
      values.forEach(function (v, i) {
        if (!found(i) || !matches(v, chosen, facet)) return;
        v[facet].forEach(function (value) { tally[value] = (tally[value] || 0) + 1; });
      });
      form.querySelectorAll('[data-count-for^="' + facet + '="]').forEach(function (el) {
        var value = el.getAttribute("data-count-for").slice(facet.length + 1);
        var n = Object.prototype.hasOwnProperty.call(tally, value) ? tally[value] : 0;
        el.textContent = "(" + n + ")";
        el.parentNode.classList.toggle("pb-facet--empty", n === 0);
      });
      var mark = form.querySelector('[data-pb-active-for="' + facet + '"]');
      if (mark) badge(mark, chosen[facet].length);
      active += chosen[facet].length;
    });
    badge(filtersButton.querySelector("[data-pb-active]"), active);

    var sort = sortNow();
    if (relevance) relevance.hidden = relevance.disabled = !term;
    sortBox.value = sort;
    order(sort);

    var text = problem || count + " of " + cards.length + " shown" +
      (matched !== null ? " for \u201c" + term + "\u201d" : "");
    // a live region: said again only when it changes (not after each batch of ranks)
    if (shown.textContent !== text) shown.textContent = text;
    watch();
    if (pushUrl) {
      var params = new URLSearchParams();
      if (term) params.set("q", term);
      facets.forEach(function (facet) {
        chosen[facet].forEach(function (value) { params.append(facet, value); });
      });
      if (sort !== sortDefault()) params.set("sort", sort);
      var search = params.toString();
      history.replaceState(null, "", location.pathname + (search ? "?" + search : "") + location.hash);
    }
  }

  // ------------------------------------------------------------------ search and relevance

  // The items of results [from, from + BATCH), in order: {id: place}
  function rankBatch(results, from) {
    var batch = results.slice(from, from + BATCH);
    return Promise.all(batch.map(function (hit) { return hit.data(); })).then(function (data) {
      var places = [];
      data.forEach(function (d, k) {
        var item = d && d.filters && d.filters.item && d.filters.item[0];
        if (item) places.push([item, from + k]);
      });
      return places;
    });
  }

  function keep(places) {
    places.forEach(function (p) { if (rank[p[0]] === undefined) rank[p[0]] = p[1]; });
  }

  function unranked() {
    return matched !== null && sortNow() === "relevance" && ranked < Math.min(hits.length, RANK_MOST);
  }

  // Rank the next batch when the first card shown that is not ranked yet comes near the screen
  // or is above it (the reader scrolled, jumped to the end, or the facets left few cards)
  function watch() {
    watched = null;
    if (unranked()) {
      var now = list.children;
      for (var at = 0; at < now.length && !watched; at++) {
        if (!now[at].hidden && rank[now[at].getAttribute("data-id")] === undefined) watched = now[at];
      }
    }
    check();
  }

  function check() {
    if (watched && watched.getBoundingClientRect().top < window.innerHeight + NEAR) rankMore(generation);
  }

  var scrolled = false;
  window.addEventListener("scroll", function () {
    if (scrolled || !watched) return;
    scrolled = true;
    requestAnimationFrame(function () {
      scrolled = false;
      check();
    });
  }, { passive: true });

  function rankMore(mine) {
    if (mine !== generation || ranking || !unranked()) return;
    ranking = true;
    var from = ranked;
    rankBatch(hits, from).then(function (places) {
      ranking = false;
      if (mine !== generation) { rankMore(generation); return; }
      keep(places);
      ranked = Math.min(hits.length, from + BATCH);
      update(false); // watches the next card not ranked
    }, function () {
      ranking = false; // the rest stays by title
    });
  }

  var generation = 0;
  function runQuery(pushUrl) {
    var words = query ? query.value.trim() : "";
    var mine = ++generation;
    problem = "";
    if (!words || !window.playbookPagefind) {
      term = "";
      matched = null;
      hits = [];
      update(pushUrl);
      return;
    }
    var results;
    window.playbookPagefind().then(function (pagefind) {
      // load the `item` filter's chunk with the query's index chunks, then count it
      return pagefind.preload(words, { filters: { item: [] } }).then(function () {
        return pagefind.search(words);
      });
    }).then(function (result) {
      results = result;
      if (mine !== generation) return null;
      // the first results' items, so that the list comes in relevance order at once
      return rankBatch(result.results || [], 0);
    }).then(function (places) {
      if (mine !== generation) return;
      var counts = (results.filters && results.filters.item) || {};
      matched = Object.create(null);
      Object.keys(counts).forEach(function (id) { if (counts[id] > 0) matched[id] = true; });
      term = words;
      hits = results.results || [];
      rank = Object.create(null);
      keep(places);
      ranked = Math.min(hits.length, BATCH);
      update(pushUrl);
    }).catch(function () {
      if (mine !== generation) return;
      matched = null;
      term = "";
      hits = [];
      problem = "Search is unavailable here; the facets still work.";
      update(pushUrl);
    });
  }

  // ------------------------------------------------------------------ the bar: open and close

  function expand(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    var target = document.getElementById(button.getAttribute("aria-controls"));
    if (target === bar) {
      if (open) bar.setAttribute("data-open", "");
      else bar.removeAttribute("data-open");
    } else {
      target.hidden = !open;
    }
  }

  function expanded(button) {
    return button.getAttribute("aria-expanded") === "true";
  }

  toggles.forEach(function (button) {
    button.addEventListener("click", function () {
      var open = !expanded(button);
      toggles.forEach(function (other) { if (other !== button) expand(other, false); });
      expand(button, open);
    });
  });
  filtersButton.addEventListener("click", function () {
    expand(filtersButton, !expanded(filtersButton));
  });
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") return;
    var panel = event.target.closest("fieldset[data-facet]");
    var button = panel ? form.querySelector('[aria-controls="' + panel.id + '"]') : null;
    if (!button && bar.contains(event.target) && expanded(filtersButton) &&
        getComputedStyle(filtersButton).display !== "none") {
      button = filtersButton;
    }
    if (!button || !expanded(button)) return;
    event.preventDefault();
    expand(button, false);
    button.focus();
  });

  // ------------------------------------------------------------------ start from the URL

  var params = new URLSearchParams(location.search);
  form.querySelectorAll("input[type=checkbox]").forEach(function (input) {
    // by id (this page's own links) or by name (the header search's chips)
    var wanted = params.getAll(input.name);
    input.checked = wanted.indexOf(input.value) !== -1 ||
      wanted.indexOf(input.getAttribute("data-name")) !== -1;
  });
  var asked = params.get("sort") || "";
  sortChoice = SORTS.indexOf(asked) !== -1 && sortBox.querySelector('option[value="' + asked + '"]') ? asked : "";
  form.hidden = false;
  form.addEventListener("change", function (event) {
    if (event.target === query) return;
    if (event.target === sortBox) sortChoice = sortBox.value;
    update(true);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    runQuery(true);
  });
  form.addEventListener("reset", function () {
    setTimeout(function () {
      sortChoice = "";
      runQuery(true);
    }, 0);
  });
  if (query) {
    var typing = 0;
    query.addEventListener("input", function () {
      clearTimeout(typing);
      typing = setTimeout(function () { runQuery(true); }, 200);
    });
    query.value = params.get("q") || "";
  }
  update(false);
  if (query && query.value.trim()) {
    // search.js, after this script, defines the loader: run once every script has loaded
    var started = false;
    var start = function () {
      if (started) return;
      started = true;
      runQuery(false);
    };
    window.addEventListener("DOMContentLoaded", start);
    if (document.readyState !== "loading") setTimeout(start, 0);
  }
})();
