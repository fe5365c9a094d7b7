/* Browse page facets: filter by type, competency, level and modality, with live counts.
   The filter lives in the URL (?competency=a&competency=b&type=playbook) so it can be shared.
   Within a facet, values are alternatives (OR); across facets, all must hold (AND).
   With search on Pagefind (search.js), a search box narrows the list to the items a query
   matches (?q=words), and the facets count within those: Pagefind's `item` filter, counted for
   one search, says which items match, without loading each result. */
(function () {
  "use strict";
  var root = document.querySelector("[data-pb-browse]");
  if (!root) return;
  var form = root.querySelector("[data-pb-facets]");
  var query = form.querySelector("[data-pb-browse-q]");
  var cards = Array.prototype.slice.call(root.querySelectorAll("[data-pb-items] > li"));
  var shown = root.querySelector("[data-pb-shown]");
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
  var matched = null; // null: no query; else the set of ids the query matches
  var term = "";
  var problem = "";

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

  function update(pushUrl) {
    var chosen = selected();
    var count = 0;
    cards.forEach(function (card, i) {
      var ok = found(i) && matches(values[i], chosen, null);
      card.hidden = !ok;
      if (ok) count += 1;
    });
    facets.forEach(function (facet) {
      var tally = {};
      values.forEach(function (v, i) {
        if (!found(i) || !matches(v, chosen, facet)) return;
        v[facet].forEach(function (value) { tally[value] = (tally[value] || 0) + 1; });
      });
      form.querySelectorAll('[data-count-for^="' + facet + '="]').forEach(function (el) {
        var value = el.getAttribute("data-count-for").slice(facet.length + 1);
        var n = tally[value] || 0;
        el.textContent = "(" + n + ")";
        el.parentNode.classList.toggle("pb-facet--empty", n === 0);
      });
    });
    shown.textContent = problem || count + " of " + cards.length + " shown" +
      (matched !== null ? " for \u201c" + term + "\u201d" : "");
    if (pushUrl) {
      var params = new URLSearchParams();
      if (term) params.set("q", term);
      facets.forEach(function (facet) {
        chosen[facet].forEach(function (value) { params.append(facet, value); });
      });
      var search = params.toString();
      history.replaceState(null, "", location.pathname + (search ? "?" + search : "") + location.hash);
    }
  }

  var generation = 0;
  function runQuery(pushUrl) {
    var words = query ? query.value.trim() : "";
    var mine = ++generation;
    problem = "";
    if (!words || !window.playbookPagefind) {
      term = "";
      matched = null;
      update(pushUrl);
      return;
    }
    window.playbookPagefind().then(function (pagefind) {
      // load the `item` filter's chunk with the query's index chunks, then count it
      return pagefind.preload(words, { filters: { item: [] } }).then(function () {
        return pagefind.search(words);
      });
    }).then(function (result) {
      if (mine !== generation) return;
      var counts = (result.filters && result.filters.item) || {};
      matched = {};
      Object.keys(counts).forEach(function (id) { if (counts[id] > 0) matched[id] = true; });
      term = words;
      update(pushUrl);
    }).catch(function () {
      if (mine !== generation) return;
      matched = null;
      term = "";
      problem = "Search is unavailable here; the facets still work.";
      update(pushUrl);
    });
  }

  var params = new URLSearchParams(location.search);
  form.querySelectorAll("input[type=checkbox]").forEach(function (input) {
    // by id (this page's own links) or by name (the header search's chips)
    var wanted = params.getAll(input.name);
    input.checked = wanted.indexOf(input.value) !== -1 ||
      wanted.indexOf(input.getAttribute("data-name")) !== -1;
  });
  form.hidden = false;
  form.addEventListener("change", function (event) {
    if (event.target !== query) update(true);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    runQuery(true);
  });
  form.addEventListener("reset", function () { setTimeout(function () { runQuery(true); }, 0); });
  if (query) {
    var typing = 0;
    query.addEventListener("input", function () {
      clearTimeout(typing);
      typing = setTimeout(function () { runQuery(true); }, 200);
    });
    query.value = params.get("q") || "";
  }
  if (query && query.value.trim()) {
    update(false);
    // search.js, after this script, defines the loader: run once every script has loaded
    window.addEventListener("DOMContentLoaded", function () { runQuery(false); });
    if (document.readyState !== "loading") setTimeout(function () { runQuery(false); }, 0);
  } else {
    update(false);
  }
})();
