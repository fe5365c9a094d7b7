/* The pack page: tick templates and frameworks, print them together. Each ticked item's
   article is fetched from its own page and placed, in the order ticked, in the print area,
   after a page of its facilitator notes (its planning facts and its own text); print.css
   prints only that area, each article on its own named page. The choice and its order live in
   the URL (?pick=b,a) so a facilitator can share a pack. */
(function () {
  "use strict";
  var root = document.querySelector("[data-pb-pack]");
  if (!root) return;
  var form = root.querySelector("[data-pb-pack-form]");
  var paper = root.querySelector("[data-pb-pack-paper]");
  var button = root.querySelector("[data-pb-print]");
  var status = root.querySelector("[data-pb-pack-status]");
  var orderList = root.querySelector("[data-pb-pack-order]");
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="pick"]'));
  var byId = {};
  boxes.forEach(function (box) { byId[box.value] = box; });
  var order = []; // ids, in the order ticked
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
        var found = new DOMParser().parseFromString(text, "text/html").querySelector(".pb-item");
        if (!found) throw new Error("no item on " + page.href);
        // links and images were relative to the item's page
        Array.prototype.forEach.call(found.querySelectorAll("[href], [src]"), function (el) {
          var attr = el.hasAttribute("href") ? "href" : "src";
          el.setAttribute(attr, new URL(el.getAttribute(attr), page.href).href);
        });
        return notesAndSheet(document.importNode(found, true));
      });
      articles[box.value].catch(function () { delete articles[box.value]; });
    }
    return articles[box.value];
  }

  // The facilitator notes page (as in a playbook's PDF pack): the item's planning facts and
  // its own text, moved out of the participant's sheet.
  function notesAndSheet(article) {
    var planning = article.querySelector(".pb-planning");
    var body = article.querySelector(".pb-body");
    if (!planning && !(body && body.textContent.trim())) return [article];
    var notes = document.createElement("section");
    notes.className = "pb-notes";
    var kicker = document.createElement("p");
    kicker.className = "pb-notes__kicker";
    kicker.textContent = "Facilitator notes";
    var title = document.createElement("h2");
    title.className = "pb-notes__title";
    title.textContent = article.querySelector(".pb-paper-title").textContent;
    notes.append(kicker, title);
    if (planning) notes.append(planning);
    if (body) notes.append.apply(notes, Array.prototype.slice.call(body.childNodes));
    return [notes, article];
  }

  function showOrder(picked) {
    orderList.replaceChildren.apply(orderList, picked.map(function (box) {
      var li = document.createElement("li");
      li.textContent = box.closest("label").textContent.trim();
      return li;
    }));
  }

  function update() {
    order = order.filter(function (id) { return byId[id].checked; });
    boxes.forEach(function (box) { if (box.checked && order.indexOf(box.value) === -1) order.push(box.value); });
    var picked = order.map(function (id) { return byId[id]; });
    showOrder(picked);
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
      paper.replaceChildren.apply(paper, [].concat.apply([], found));
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
  order = wanted.filter(function (id) { return byId[id] && byId[id].checked; });
  form.addEventListener("change", update);
  form.addEventListener("reset", function () { setTimeout(update, 0); });
  button.addEventListener("click", function () {
    update().then(function (ready) { if (ready) window.print(); });
  });
  update();
})();
