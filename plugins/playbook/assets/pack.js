/* The pack page: tick templates and frameworks, print them together. Each ticked item's
   article is fetched from its own page and placed, in list order, in the print area; print.css
   prints only that area, each article on its own named page. The choice lives in the URL
   (?pick=a,b) so a facilitator can share a pack. */
(function () {
  "use strict";
  var root = document.querySelector("[data-pb-pack]");
  if (!root) return;
  var form = root.querySelector("[data-pb-pack-form]");
  var paper = root.querySelector("[data-pb-pack-paper]");
  var button = root.querySelector("[data-pb-print]");
  var status = root.querySelector("[data-pb-pack-status]");
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="pick"]'));
  var articles = {}; // id -> Promise of an article element
  var generation = 0;
  root.querySelector("[data-pb-pack-actions]").hidden = false;

  function load(box) {
    if (!articles[box.value]) {
      // the item's page, from its "Open" link (an href, which every builder writes right)
      var page = new URL(box.closest("li").querySelector("[data-pb-open]").href);
      articles[box.value] = fetch(page.href).then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + page.href);
        return response.text();
      }).then(function (text) {
        var found = new DOMParser().parseFromString(text, "text/html").querySelector("article.pb-item");
        if (!found) throw new Error("no item on " + page.href);
        // links and images were relative to the item's page
        Array.prototype.forEach.call(found.querySelectorAll("[href], [src]"), function (el) {
          var attr = el.hasAttribute("href") ? "href" : "src";
          el.setAttribute(attr, new URL(el.getAttribute(attr), page.href).href);
        });
        return document.importNode(found, true);
      });
      articles[box.value].catch(function () { delete articles[box.value]; });
    }
    return articles[box.value];
  }

  function update() {
    var picked = boxes.filter(function (box) { return box.checked; });
    var url = new URL(location.href);
    if (picked.length) {
      url.searchParams.set("pick", picked.map(function (box) { return box.value; }).join(","));
    } else {
      url.searchParams.delete("pick");
    }
    history.replaceState(null, "", url.href);
    button.disabled = true;
    status.textContent = picked.length ? "Preparing " + picked.length + "…" : "";
    var mine = ++generation;
    return Promise.all(picked.map(load)).then(function (found) {
      if (mine !== generation) return false;
      paper.replaceChildren.apply(paper, found);
      button.disabled = !found.length;
      status.textContent = found.length ? found.length + " ready to print" : "";
      return true;
    }, function (error) {
      if (mine === generation) status.textContent = "Could not load: " + error.message;
      return false;
    });
  }

  var wanted = (new URL(location.href).searchParams.get("pick") || "").split(",");
  boxes.forEach(function (box) { box.checked = wanted.indexOf(box.value) !== -1; });
  form.addEventListener("change", update);
  form.addEventListener("reset", function () { setTimeout(update, 0); });
  button.addEventListener("click", function () {
    update().then(function (ready) { if (ready) window.print(); });
  });
  update();
})();
