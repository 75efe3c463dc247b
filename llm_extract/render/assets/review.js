// Renders one page of documents from the JSON above. Every text goes in as a text node
// (textContent), never as HTML: the documents are untrusted.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("review-data").textContent);
  var docs = data.docs;
  var size = data.pageSize;
  var pages = Math.max(1, Math.ceil(docs.length / size));
  var page = 0;
  var main = document.getElementById("docs");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function flash(nodes) {
    nodes.forEach(function (n) {
      n.classList.remove("flash");
      void n.offsetWidth; // restart the animation
      n.classList.add("flash");
    });
    setTimeout(function () {
      nodes.forEach(function (n) { n.classList.remove("flash"); });
    }, 1600);
  }

  function marksOf(di, ri) {
    var text = document.getElementById("text-" + di);
    return text ? Array.prototype.slice.call(text.querySelectorAll('mark[data-r~="' + ri + '"]')) : [];
  }

  // A record row was clicked: scroll to its first evidence span and flash all of its spans.
  function goSpan(di, ri) {
    var marks = marksOf(di, ri);
    if (!marks.length) return;
    marks[0].scrollIntoView({ block: "center" });
    flash(marks);
  }

  // A span was clicked: scroll to the row of a record it belongs to (the next one on each click).
  function goRow(mark) {
    var recs = mark.getAttribute("data-r").split(" ");
    var turn = Number(mark.getAttribute("data-turn") || 0);
    mark.setAttribute("data-turn", String((turn + 1) % recs.length));
    var row = document.getElementById("row-" + mark.getAttribute("data-d") + "-" + recs[turn]);
    if (!row) return;
    row.scrollIntoView({ block: "center" });
    flash([row]);
  }

  function renderText(doc, di) {
    var box = el("div", "text");
    box.id = "text-" + di;
    doc.pieces.forEach(function (piece) {
      var recs = piece[1];
      if (!recs.length) {
        box.appendChild(document.createTextNode(piece[0]));
        return;
      }
      var mark = el("mark", recs.length > 1 ? "ev multi" : "ev", piece[0]);
      mark.setAttribute("data-d", String(di));
      mark.setAttribute("data-r", recs.join(" "));
      mark.style.background = doc.records[recs[0]].colour;
      mark.title = recs.map(function (r) { return "#" + (r + 1) + " " + doc.records[r].type; }).join(", ");
      mark.tabIndex = 0;
      mark.addEventListener("click", function () { goRow(mark); });
      mark.addEventListener("keydown", function (e) { if (e.key === "Enter") goRow(mark); });
      box.appendChild(mark);
    });
    return box;
  }

  function renderTable(doc, di) {
    var table = el("table", "records");
    var head = el("tr");
    var typed = doc.columns.indexOf("event_type") >= 0; // else a type column is added
    var names = ["", "#"].concat(typed ? [] : ["type"], doc.columns, ["evidence (characters)"]);
    names.forEach(function (c) {
      head.appendChild(el("th", null, c));
    });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    doc.records.forEach(function (rec, ri) {
      var row = el("tr");
      row.id = "row-" + di + "-" + ri;
      var swatch = row.appendChild(el("td", "swatch"));
      swatch.style.background = rec.colour;
      var index = row.appendChild(el("td", null, ri + 1));
      if (rec.review.length) {
        // Flagged: the model kept a code that the record's own quotes contradict.
        row.className = "flagged";
        index.textContent = (ri + 1) + " \u2691";
        index.title = "Review: " + rec.review.join(" ");
      }
      if (!typed) row.appendChild(el("td", null, rec.type));
      rec.values.forEach(function (v) { row.appendChild(el("td", null, v)); });
      row.appendChild(el("td", null, rec.evidence.join(", ")));
      row.tabIndex = 0;
      row.addEventListener("click", function () { goSpan(di, ri); });
      row.addEventListener("keydown", function (e) { if (e.key === "Enter") goSpan(di, ri); });
      body.appendChild(row);
    });
    return table;
  }

  function renderDoc(doc, di) {
    var section = el("section", "doc");
    section.id = "doc-" + di;
    section.appendChild(el("h2", null, doc.id));
    var meta = doc.source + " | " + doc.status + " | " + doc.records.length + " record(s)" +
      (doc.language ? " | language: " + doc.language : "");
    section.appendChild(el("div", "meta", meta));
    if (doc.error) {
      section.appendChild(el("p", "error", "Extraction failed: " + doc.error));
      return section;
    }
    if (doc.failedSpans.length) {
      var failed = "Extraction failed on characters " + doc.failedSpans.join(", ") +
        ": records may be missing there (a rerun of extract -o retries them).";
      section.appendChild(el("p", "error", failed));
    }
    (doc.notes || []).forEach(function (note) { section.appendChild(el("p", "note", note)); });
    if (doc.dropped && doc.dropped.length) {
      var dropped = doc.dropped.length + " record(s) of the model's answer failed validation " +
        "after the re-asks and were left out: " + doc.dropped.join(" | ");
      section.appendChild(el("p", "error", dropped));
    }
    section.appendChild(renderText(doc, di));
    if (doc.records.length) section.appendChild(renderTable(doc, di));
    return section;
  }

  function show(p) {
    page = Math.min(Math.max(0, p), pages - 1);
    var fragment = document.createDocumentFragment();
    for (var di = page * size; di < Math.min(docs.length, (page + 1) * size); di++) {
      fragment.appendChild(renderDoc(docs[di], di));
    }
    main.replaceChildren(fragment);
    document.getElementById("page-info").textContent =
      "Page " + (page + 1) + " of " + pages + " (" + docs.length + " documents)";
    document.getElementById("prev").disabled = page === 0;
    document.getElementById("next").disabled = page === pages - 1;
  }

  document.getElementById("prev").addEventListener("click", function () { show(page - 1); window.scrollTo(0, 0); });
  document.getElementById("next").addEventListener("click", function () { show(page + 1); window.scrollTo(0, 0); });
  var ids = document.getElementById("doc-ids");
  docs.forEach(function (d) { ids.appendChild(el("option")).value = d.id; });
  document.getElementById("find").addEventListener("change", function (event) {
    var wanted = event.target.value;
    for (var di = 0; di < docs.length; di++) {
      if (docs[di].id === wanted) {
        show(Math.floor(di / size));
        document.getElementById("doc-" + di).scrollIntoView();
        return;
      }
    }
  });
  window.reviewShow = show; // for tests and the console
  show(0);
})();
