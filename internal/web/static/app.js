// hookctl inspector: live log over Server-Sent Events, diff picking,
// copy as curl, body tabs. Everything it inserts is HTML the server
// rendered with html/template (escaped); it never builds HTML itself.
"use strict";
(function () {
  var MAX_ROWS = 200;

  // The live log's stream. Its cursor and filters live on the table
  // (data-top, data-filter), so a filter change restarts it.
  var live = { restart: function () {} };

  // keepFocus runs replace (rows re-rendered from the server's HTML)
  // and gives the focus back to the same control of the same row when
  // replace took away the element that had it: a keyboard user on a
  // pending delivery's link lost the focus to the page's top each time
  // the row was updated, and on the events page at each change.
  function keepFocus(tbody, replace) {
    var a = document.activeElement;
    var tr = a && a !== document.body && tbody.contains(a) ? a.closest("tr") : null;
    var key = null, ctl = null;
    if (tr) {
      key = tr.dataset.deliveryId ? 'tr[data-delivery-id="' + CSS.escape(tr.dataset.deliveryId) + '"]'
        : tr.dataset.eventId ? 'tr[data-event-id="' + CSS.escape(tr.dataset.eventId) + '"]' : null;
      ctl = a.matches('input[name="pick"]') ? 'input[name="pick"]' : a.matches("a") ? "a" : null;
    }
    replace();
    if (!key || !ctl || tbody.contains(a)) return;
    var now = tbody.querySelector(key + " " + ctl);
    if (now) now.focus();
  }

  function liveLog() {
    var table = document.getElementById("log");
    if (!table) return;
    var tbody = document.getElementById("rows");
    var ind = document.getElementById("live");
    var skipped = document.getElementById("skipped");
    var skippedTotal = 0;
    var es = null, retry = null;

    function setState(cls, text, title) {
      ind.className = "live " + cls;
      ind.textContent = text;
      ind.title = title || "";
    }
    function pendingIDs() {
      var ids = [];
      tbody.querySelectorAll('tr[data-status="pending"]').forEach(function (tr) {
        if (ids.length < 200) ids.push("pending=" + encodeURIComponent(tr.dataset.deliveryId));
      });
      return ids.join("&");
    }
    // The page keeps its newest MAX_ROWS rows. What it drops must be on
    // the next page: the "older" link then continues right below the last
    // row it keeps, as a flood's does (before: the oldest delivery kept,
    // or all the stream has seen; until: the last row's time, for the
    // events without a delivery).
    function trim() {
      var rows = tbody.rows;
      if (rows.length <= MAX_ROWS) return;
      var last = rows[MAX_ROWS - 1];
      var before = (parseInt(table.dataset.top, 10) || 0) + 1;
      for (var i = 0; i < MAX_ROWS; i++) {
        if (rows[i].dataset.deliveryId) before = Math.min(before, parseInt(rows[i].dataset.seq, 10));
      }
      var r = document.createRange();
      r.setStartAfter(last);
      r.setEndAfter(tbody.lastChild);
      r.deleteContents();
      var nav = document.querySelector("#paging nav.paging");
      if (!nav) return;
      var older = nav.querySelector('a[data-testid="older"]');
      if (!older) {
        older = document.createElement("a");
        older.dataset.testid = "older";
        older.textContent = "older →";
        nav.appendChild(older);
      }
      var filter = table.dataset.filter || "";
      older.href = "/?" + filter + (filter ? "&" : "") + "before=" + before + "&until=" + encodeURIComponent(last.dataset.at);
    }
    function stop() {
      if (es) { es.close(); es = null; }
      clearTimeout(retry);
    }
    // resync: a reconnect, the rows may have changed meanwhile (a
    // replay): the server sends each settled row it shows once.
    function connect(resync) {
      stop();
      if (table.dataset.first !== "true") return;
      // A time range that cannot be read: no stream, said. One that
      // ended: no new rows, said; while the page shows pending rows a
      // stream updates them until they settle (the server sends no new
      // rows, then done).
      if (table.dataset.notlive) {
        setState("paused", table.dataset.notlive, table.dataset.ended === "true" ? "no new rows: the time range ended; pending rows shown update until they settle" : "");
        if (table.dataset.ended !== "true" || !pendingIDs()) return;
      }
      var filter = table.dataset.filter || "";
      var url = "/live?" + filter + (filter ? "&" : "") + "after=" + encodeURIComponent(table.dataset.top || "0") +
        "&etop=" + encodeURIComponent(table.dataset.etop || "0");
      // PostgreSQL: the transaction snapshot taken before the reads up to
      // its cursor: the stream sends what committed below it since.
      if (table.dataset.snap) url += "&snap=" + encodeURIComponent(table.dataset.snap);
      var p = pendingIDs();
      if (p) url += "&" + p;
      url += "&shown=" + tbody.rows.length;
      if (resync === true) url += "&resync=1";
      var mine = new EventSource(url);
      es = mine;
      // "live" only once the stream has read the store: a stream that
      // opens during an outage says so in its hello (down), and its
      // store event says it waits for the store.
      mine.addEventListener("hello", function (ev) {
        if (es !== mine) return;
        var h = {};
        try { h = JSON.parse(ev.data); } catch (e) { /* not JSON: the store was read */ }
        if (h.ended) ended(h.ended);
        else if (!h.down) setState("on", "live");
      });
      // The range's end passed: no new rows from now on (the stream
      // still updates the pending rows shown, then says done).
      function ended(text) {
        table.dataset.notlive = text;
        table.dataset.ended = "true";
        setState("paused", text, "no new rows: the time range ended; pending rows shown update until they settle");
      }
      mine.addEventListener("ended", function (ev) {
        if (es !== mine) return;
        ended(JSON.parse(ev.data).text);
      });
      mine.addEventListener("done", function () {
        if (es !== mine) return;
        stop();
      });
      // The store cannot be read (PostgreSQL stopped, a SQLite file
      // unreadable): said once when it starts and once when it ends, in
      // deliveries tail's words; the rows shown stay.
      mine.addEventListener("store", function (ev) {
        if (es !== mine) return;
        var n = JSON.parse(ev.data);
        if (n.down) setState("down", "waiting for the store", n.text);
        else if (table.dataset.ended === "true") setState("paused", table.dataset.notlive, n.text);
        else setState("on", "live", n.text);
      });
      // The log was emptied or cut back under the page (serve's reset,
      // store prune): its rows are gone, and the new ones take their
      // seqs again; the page reloads to show the log as it is.
      mine.addEventListener("reset", function () {
        if (es !== mine) return;
        stop();
        location.reload();
      });
      mine.addEventListener("rows", function (ev) {
        if (es !== mine) return;
        var t0 = performance.now();
        var b = JSON.parse(ev.data);
        table.dataset.top = String(b.top);
        table.dataset.etop = String(b.etop);
        if (b.snap) table.dataset.snap = b.snap;
        (b.updates || []).forEach(function (u) {
          var tr = tbody.querySelector('tr[data-delivery-id="' + CSS.escape(u.id) + '"]');
          if (!tr) return;
          if (u.remove) { tr.remove(); return; } // left the status filter
          // A row picked for a diff stays picked.
          var pick = tr.querySelector('input[name="pick"]');
          var picked = pick && pick.checked;
          keepFocus(tbody, function () { tr.outerHTML = u.html; });
          if (picked) {
            var now = tbody.querySelector('tr[data-delivery-id="' + CSS.escape(u.id) + '"] input[name="pick"]');
            if (now) now.checked = true;
          }
        });
        if (b.rows) {
          document.getElementById("empty").hidden = true;
          if (b.skipped) {
            // A flood: the batch (the newest rows) is the page, and its
            // "older" link continues below them.
            tbody.innerHTML = b.rows;
            if (b.paging) document.getElementById("paging").innerHTML = b.paging;
          } else {
            // A row the page shows already (one that committed between
            // a snapshot and a read, sent again by a reconnected stream)
            // is not shown twice.
            var fresh = document.createElement("tbody");
            fresh.innerHTML = b.rows;
            Array.prototype.slice.call(fresh.rows).forEach(function (tr) {
              var sel = tr.dataset.deliveryId ? 'tr[data-delivery-id="' + CSS.escape(tr.dataset.deliveryId) + '"]'
                : 'tr[data-event-id="' + CSS.escape(tr.dataset.eventId || "") + '"]';
              if (tbody.querySelector(sel)) tr.remove();
            });
            var frag = document.createDocumentFragment();
            while (fresh.firstChild) frag.appendChild(fresh.firstChild);
            tbody.insertBefore(frag, tbody.firstChild);
            if (tbody.rows.length > MAX_ROWS) trim();
          }
        }
        picks();
        window.__liveMs = Math.max(window.__liveMs || 0, performance.now() - t0);
        if (b.skipped) {
          skippedTotal += b.skipped;
          skipped.textContent = skippedTotal + " deliveries streamed past faster than shown (see older pages)";
        }
      });
      mine.onerror = function () {
        if (es !== mine) return;
        setState("off", "reconnecting…");
        stop();
        retry = setTimeout(function () { connect(true); }, 1000);
      };
    }
    // A filter change: other rows, and the count of those streamed past
    // is about the log before it.
    live.restart = function () {
      skippedTotal = 0;
      skipped.textContent = "";
      connect(false);
    };
    connect();
  }

  // markFaults marks the form's fields named in bad (space-separated)
  // invalid, described by the page's message, and no others.
  function markFaults(form, bad) {
    form.querySelectorAll("input[name], select[name]").forEach(function (i) {
      if ((" " + (bad || "") + " ").indexOf(" " + i.name + " ") >= 0) {
        i.setAttribute("aria-invalid", "true");
        i.setAttribute("aria-describedby", "filter-error");
      } else {
        i.removeAttribute("aria-invalid");
        i.removeAttribute("aria-describedby");
      }
    });
  }

  // A filter form without the live log (the events page) loads its page
  // with the filters given, as the log's applies them: a choice made or
  // a time given at once, a typed pattern on Enter; the address holds
  // the filters given, not every empty field.
  function plainFilters(form) {
    // A change loads the filtered page; the control it came from gets
    // the focus back there. A keyboard user stepping through a
    // select's options with the arrow keys (each press is a change)
    // lost the focus to the page's top after the first press.
    var FOCUS = "hookctl-filter-focus";
    try {
      var back = sessionStorage.getItem(FOCUS);
      sessionStorage.removeItem(FOCUS);
      var el = back && form.elements.namedItem(back);
      if (el && el.focus) el.focus();
    } catch (e) { /* no storage: the focus starts at the top */ }
    function go(from) {
      var clean = new URLSearchParams();
      new FormData(form).forEach(function (v, k) { if (v) clean.append(k, v); });
      var qs = clean.toString();
      try { if (from && from.name) sessionStorage.setItem(FOCUS, from.name); } catch (e) { /* as above */ }
      location.assign(form.getAttribute("action") + (qs ? "?" + qs : ""));
    }
    form.addEventListener("submit", function (ev) { ev.preventDefault(); go(document.activeElement && form.contains(document.activeElement) ? document.activeElement : null); });
    form.addEventListener("change", function (ev) {
      if (ev.target.tagName === "SELECT" || ev.target.dataset.apply === "change") go(ev.target);
    });
  }

  // The events page's first page, live: the server sends the page again
  // (its rows and paging, rendered by the page's templates) when it
  // changed. A range that ended opens a stream only while an event shown
  // has pending deliveries, and the stream ends once none has.
  function eventsLive() {
    var table = document.getElementById("events");
    if (!table || !table.dataset.live) return;
    var tbody = document.getElementById("event-rows");
    var ind = document.getElementById("live");
    var es = null, retry = null, over = false;
    var endedTitle = "no new events: the time range ended; pending deliveries shown update until they settle";
    function setState(cls, text, title) {
      ind.className = "live " + cls;
      ind.textContent = text;
      ind.title = title || "";
    }
    function stop() {
      if (es) { es.close(); es = null; }
      clearTimeout(retry);
    }
    function connect() {
      stop();
      if (over) return;
      if (table.dataset.notlive) {
        setState("paused", table.dataset.notlive, endedTitle);
        if (!tbody.querySelector('tr[data-pending="true"]')) return;
      }
      var mine = new EventSource(table.dataset.live);
      es = mine;
      mine.addEventListener("hello", function (ev) {
        if (es !== mine) return;
        var h = JSON.parse(ev.data);
        if (h.ended) { table.dataset.notlive = h.ended; setState("paused", h.ended, endedTitle); }
        else setState("on", "live");
      });
      mine.addEventListener("page", function (ev) {
        if (es !== mine) return;
        var b = JSON.parse(ev.data);
        keepFocus(tbody, function () { tbody.innerHTML = b.rows; });
        document.getElementById("event-paging").innerHTML = b.paging;
      });
      // The store cannot be read: said once when it starts and once
      // when it ends, as on the live log; the rows shown stay.
      mine.addEventListener("store", function (ev) {
        if (es !== mine) return;
        var n = JSON.parse(ev.data);
        if (n.down) setState("down", "waiting for the store", n.text);
        else if (table.dataset.notlive) setState("paused", table.dataset.notlive, n.text);
        else setState("on", "live", n.text);
      });
      mine.addEventListener("ended", function (ev) {
        if (es !== mine) return;
        table.dataset.notlive = JSON.parse(ev.data).text;
        setState("paused", table.dataset.notlive, endedTitle);
      });
      mine.addEventListener("done", function () {
        if (es !== mine) return;
        over = true;
        stop();
      });
      mine.onerror = function () {
        if (es !== mine) return;
        if (!table.dataset.notlive) setState("off", "reconnecting…");
        stop();
        retry = setTimeout(connect, 1000);
      };
    }
    connect();
  }

  // Filter changes fetch the rows (the same server templates, as JSON)
  // instead of loading a new page.
  function filters() {
    var form = document.querySelector('form.filters[role="search"]');
    var table = document.getElementById("log");
    if (form && !table) { plainFilters(form); return; }
    if (!form || !table || !window.fetch) return;
    var tbody = document.getElementById("rows");
    var timer = null, seq = 0;
    function apply(push) {
      var clean = new URLSearchParams();
      new FormData(form).forEach(function (v, k) { if (v) clean.append(k, v); });
      var qs = clean.toString();
      var mine = ++seq;
      var t0 = performance.now();
      fetch("/?" + qs + (qs ? "&" : "") + "fragment=1", { headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (b) {
          if (mine !== seq) return;
          tbody.innerHTML = b.rows;
          document.getElementById("paging").innerHTML = b.paging;
          document.getElementById("empty").hidden = !b.empty;
          document.getElementById("empty").innerHTML = b.emptyHTML;
          document.getElementById("server-time").textContent = "server " + b.server;
          table.dataset.top = String(b.top);
          table.dataset.etop = String(b.etop);
          table.dataset.snap = b.snap || "";
          table.dataset.filter = b.filter;
          table.dataset.first = "true";
          table.dataset.notlive = b.notLive || "";
          table.dataset.ended = b.ended ? "true" : "";
          var rng = document.getElementById("range");
          if (rng) { rng.textContent = b.range || ""; rng.hidden = !b.range; }
          markFaults(form, b.bad);
          picks();
          // A change made (a select, Enter, a field left) is a step the
          // back button goes back to; typing in a field replaces it.
          var url = "/" + (qs ? "?" + qs : "");
          if (push && location.pathname + location.search !== url) history.pushState(null, "", url);
          else history.replaceState(null, "", url);
          window.__filterMs = performance.now() - t0;
          live.restart();
        })
        .catch(function () { form.submit(); });
    }
    form.addEventListener("submit", function (ev) { ev.preventDefault(); clearTimeout(timer); apply(true); });
    // The time range applies once given (Enter, or the field left): a
    // time half typed is not one.
    form.addEventListener("change", function (ev) {
      if (ev.target.tagName === "SELECT" || ev.target.dataset.apply === "change") { clearTimeout(timer); apply(true); }
    });
    form.addEventListener("input", function (ev) {
      if (ev.target.tagName !== "INPUT" || ev.target.dataset.apply === "change") return;
      clearTimeout(timer);
      timer = setTimeout(function () { apply(false); }, 250);
    });
    // Back and forward: the page of the filters in the address.
    window.addEventListener("popstate", function () { location.reload(); });
  }

  // The Diff button diffs the two rows the page shows picked; picks()
  // runs again whenever rows change (a filter, a live update), so a
  // picked row taken away disables it.
  var picks = function () {};

  function diffPicker() {
    var btn = document.getElementById("diffbtn");
    if (!btn) return;
    var rows = document.getElementById("rows");
    picks = function () {
      var picked = Array.prototype.slice.call(rows.querySelectorAll('input[name="pick"]:checked'));
      btn.disabled = picked.length !== 2;
      document.getElementById("diff-a").value = picked.length === 2 ? picked[1].value : "";
      document.getElementById("diff-b").value = picked.length === 2 ? picked[0].value : "";
    };
    rows.addEventListener("change", picks);
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

  // The body's tabs, as the ARIA tabs pattern has them: a click or the
  // arrow keys (Home, End) select one; only the selected tab is in the
  // Tab order, and its panel follows it.
  function tabs() {
    document.querySelectorAll(".tabs").forEach(function (bar) {
      var section = bar.parentElement;
      var all = Array.prototype.slice.call(bar.querySelectorAll("button[data-tab]"));
      function select(t) {
        all.forEach(function (x) {
          x.setAttribute("aria-selected", x === t ? "true" : "false");
          x.tabIndex = x === t ? 0 : -1;
        });
        section.querySelectorAll("pre.body[class*='tab-']").forEach(function (pre) {
          pre.hidden = !pre.classList.contains("tab-" + t.dataset.tab);
        });
      }
      bar.addEventListener("click", function (ev) {
        var t = ev.target.closest("button[data-tab]");
        if (t) select(t);
      });
      bar.addEventListener("keydown", function (ev) {
        var i = all.indexOf(ev.target);
        if (i < 0) return;
        var next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: all.length - 1 }[ev.key];
        if (next === undefined) return;
        ev.preventDefault();
        var t = all[(next + all.length) % all.length];
        select(t);
        t.focus();
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
    // A pending delivery's page reloads once its next attempt is due.
    var el = document.querySelector("[data-refresh]");
    if (el) setTimeout(function () { location.reload(); }, Math.max(1000, parseInt(el.dataset.refresh, 10) || 1000));
  }

  document.addEventListener("DOMContentLoaded", function () {
    liveLog(); eventsLive(); filters(); diffPicker(); copyButtons(); tabs(); confirms(); refresh();
  });
})();
