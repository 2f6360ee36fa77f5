// hookctl inspector: live log over Server-Sent Events, diff picking,
// copy as curl, body tabs. Everything it inserts is HTML the server
// rendered with html/template (escaped); it never builds HTML itself.
"use strict";
(function () {
  var MAX_ROWS = 200;

  function liveLog() {
    var table = document.getElementById("log");
    if (!table || table.dataset.first !== "true") return;
    var tbody = document.getElementById("rows");
    var ind = document.getElementById("live");
    var skipped = document.getElementById("skipped");
    var top = table.dataset.top || "0";
    var filter = table.dataset.filter || "";
    var skippedTotal = 0;
    var es = null;

    function setState(cls, text) {
      ind.className = "live " + cls;
      ind.textContent = text;
    }
    function pendingIDs() {
      var ids = [];
      tbody.querySelectorAll('tr[data-status="pending"]').forEach(function (tr) {
        if (ids.length < 200) ids.push("pending=" + encodeURIComponent(tr.dataset.deliveryId));
      });
      return ids.join("&");
    }
    function connect() {
      var url = "/live?" + filter + (filter ? "&" : "") + "after=" + encodeURIComponent(top);
      var p = pendingIDs();
      if (p) url += "&" + p;
      es = new EventSource(url);
      es.addEventListener("hello", function () { setState("on", "live"); });
      es.addEventListener("rows", function (ev) {
        var b = JSON.parse(ev.data);
        top = String(b.top);
        table.dataset.top = top;
        (b.updates || []).forEach(function (u) {
          var tr = tbody.querySelector('tr[data-delivery-id="' + CSS.escape(u.id) + '"]');
          if (tr) tr.outerHTML = u.html;
        });
        if (b.rows) {
          var empty = document.getElementById("empty");
          if (empty) empty.remove();
          if (b.n >= MAX_ROWS) {
            tbody.innerHTML = b.rows; // a flood: the batch is the page
          } else {
            tbody.insertAdjacentHTML("afterbegin", b.rows);
            var extra = tbody.rows.length - MAX_ROWS;
            if (extra > 0) {
              var r = document.createRange();
              r.setStartBefore(tbody.rows[MAX_ROWS]);
              r.setEndAfter(tbody.lastChild);
              r.deleteContents();
            }
          }
        }
        if (b.skipped) {
          skippedTotal += b.skipped;
          skipped.textContent = skippedTotal + " deliveries streamed past faster than shown (see older pages)";
        }
      });
      es.onerror = function () {
        setState("off", "reconnecting…");
        es.close();
        setTimeout(connect, 1000);
      };
    }
    connect();
  }

  function diffPicker() {
    var btn = document.getElementById("diffbtn");
    if (!btn) return;
    var rows = document.getElementById("rows");
    rows.addEventListener("change", function () {
      var picked = Array.prototype.slice.call(rows.querySelectorAll('input[name="pick"]:checked'));
      btn.disabled = picked.length !== 2;
      if (picked.length === 2) {
        document.getElementById("diff-a").value = picked[1].value;
        document.getElementById("diff-b").value = picked[0].value;
      }
    });
  }

  function copyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (b) {
      b.addEventListener("click", function () {
        var pre = document.getElementById(b.dataset.copy);
        var text = pre ? pre.textContent : "";
        var details = pre && pre.closest("details");
        if (details) details.open = true;
        var done = function () { b.textContent = "Copied"; setTimeout(function () { b.textContent = "Copy as curl"; }, 1500); };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(done, function () { b.textContent = "Select the text below"; });
        } else {
          b.textContent = "Select the text below";
        }
      });
    });
  }

  function tabs() {
    document.querySelectorAll(".tabs").forEach(function (bar) {
      var section = bar.parentElement;
      bar.addEventListener("click", function (ev) {
        var t = ev.target.closest("button[data-tab]");
        if (!t) return;
        bar.querySelectorAll("button").forEach(function (x) { x.setAttribute("aria-selected", x === t ? "true" : "false"); });
        section.querySelectorAll("pre.body[class*='tab-']").forEach(function (pre) {
          pre.hidden = !pre.classList.contains("tab-" + t.dataset.tab);
        });
      });
    });
  }

  function confirms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (ev) {
        if (!window.confirm(f.dataset.confirm)) ev.preventDefault();
      });
    });
  }

  function refresh() {
    var el = document.querySelector("[data-refresh]");
    if (el) setTimeout(function () { location.reload(); }, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    liveLog(); diffPicker(); copyButtons(); tabs(); confirms(); refresh();
  });
})();
