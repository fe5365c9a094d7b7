/* Browse page facets: filter by type, competency, level and modality, with live counts.
   The filter lives in the URL (?competency=a&competency=b&type=playbook) so it can be shared.
   Within a facet, values are alternatives (OR); across facets, all must hold (AND). */
(function () {
  "use strict";
  var root = document.querySelector("[data-pb-browse]");
  if (!root) return;
  var form = root.querySelector("[data-pb-facets]");
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

  function update(pushUrl) {
    var chosen = selected();
    var count = 0;
    cards.forEach(function (card, i) {
      var ok = matches(values[i], chosen, null);
      card.hidden = !ok;
      if (ok) count += 1;
    });
    facets.forEach(function (facet) {
      var tally = {};
      values.forEach(function (v) {
        if (!matches(v, chosen, facet)) return;
        v[facet].forEach(function (value) { tally[value] = (tally[value] || 0) + 1; });
      });
      form.querySelectorAll('[data-count-for^="' + facet + '="]').forEach(function (el) {
        var value = el.getAttribute("data-count-for").slice(facet.length + 1);
        var n = tally[value] || 0;
        el.textContent = "(" + n + ")";
        el.parentNode.classList.toggle("pb-facet--empty", n === 0);
      });
    });
    shown.textContent = count + " of " + cards.length + " shown";
    if (pushUrl) {
      var params = new URLSearchParams();
      facets.forEach(function (facet) {
        chosen[facet].forEach(function (value) { params.append(facet, value); });
      });
      var query = params.toString();
      history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
    }
  }

  var params = new URLSearchParams(location.search);
  form.querySelectorAll("input[type=checkbox]").forEach(function (input) {
    input.checked = params.getAll(input.name).indexOf(input.value) !== -1;
  });
  form.hidden = false;
  form.addEventListener("change", function () { update(true); });
  form.addEventListener("reset", function () { setTimeout(function () { update(true); }, 0); });
  update(false);
})();
