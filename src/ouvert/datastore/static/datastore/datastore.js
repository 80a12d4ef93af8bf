// The resource page's datastore sections, enhanced: status polling, preview updates in place,
// the chart builder and copy buttons. Progressive enhancement only: without this file every
// section works or says what it needs.
(function () {
  "use strict";

  document.documentElement.classList.add("datastore-js");

  function format(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function parseFragment(html, selector) {
    return new DOMParser().parseFromString(html, "text/html").querySelector(selector);
  }

  // --- ingestion status: poll every 2 s while a load is queued or running -------------------

  function busy(state) {
    return state === "queued" || state === "running";
  }

  function step(percent) {
    // The live region speaks on a change of state or every 10 %, not on every poll.
    return percent === null || percent === "" ? -1 : Math.floor(Number(percent) / 10);
  }

  function watchStatus(block) {
    var url = block.getAttribute("data-status-url");
    var state = block.getAttribute("data-state");
    if (!url || !busy(state)) {
      return;
    }
    var spoken = state + ":" + step(block.getAttribute("data-percent"));
    var timer = window.setInterval(function () {
      if (document.hidden) {
        return;  // a tab in the background waits; it catches up when shown again
      }
      fetch(url, {credentials: "same-origin", cache: "no-store", headers: {"Accept": "text/html"}})
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) {
            return;
          }
          var fresh = parseFragment(html, "[data-datastore-status]");
          if (!fresh) {
            return;
          }
          var freshState = fresh.getAttribute("data-state");
          if (!busy(freshState)) {
            window.clearInterval(timer);
            window.location.reload();
            return;
          }
          var percent = fresh.getAttribute("data-percent");
          var progress = block.querySelector("progress");
          var freshProgress = fresh.querySelector("progress");
          if (progress && freshProgress) {
            if (freshProgress.hasAttribute("value")) {
              progress.value = Number(freshProgress.getAttribute("value"));
            }
            progress.textContent = freshProgress.textContent;
          }
          var detail = block.querySelector("[data-status-detail]");
          var freshDetail = fresh.querySelector("[data-status-detail]");
          if (detail && freshDetail) {
            detail.innerHTML = freshDetail.innerHTML;
          }
          var key = freshState + ":" + step(percent);
          if (key !== spoken) {
            spoken = key;
            var message = block.querySelector("[data-status-message]");
            var freshMessage = fresh.querySelector("[data-status-message]");
            if (message && freshMessage) {
              message.innerHTML = freshMessage.innerHTML;
            }
          }
          block.setAttribute("data-state", freshState);
        })
        .catch(function () { /* the next poll tries again */ });
    }, 2000);
  }

  // --- preview: sort, filter and page without reloading the page ----------------------------

  function enhancePreview(container) {
    var endpoint = container.getAttribute("data-preview-url");
    if (!endpoint || !window.fetch || !window.history || !window.history.pushState) {
      return;
    }

    function load(pageUrl, focusColumn, push) {
      var target = new URL(pageUrl, window.location.href);
      var source = new URL(endpoint, window.location.href);
      source.search = target.search;
      container.setAttribute("aria-busy", "true");
      return fetch(source.toString(), {credentials: "same-origin", headers: {"Accept": "text/html"}})
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.text();
        })
        .then(function (html) {
          var fresh = parseFragment(html, "[data-datastore-preview]");
          if (!fresh) {
            throw new Error("fragment");
          }
          container.innerHTML = fresh.innerHTML;
          container.setAttribute("data-lookups", fresh.getAttribute("data-lookups") || "");
          container.removeAttribute("aria-busy");
          if (push) {
            window.history.pushState({datastorePreview: true}, "", target.pathname + target.search + "#datastore-preview");
          }
          var focus = focusColumn && container.querySelector('[data-sort-column="' + CSS.escape(focusColumn) + '"]');
          (focus || container.querySelector("[data-preview-count]") || container).focus();
        })
        .catch(function () {
          // Anything unexpected: let the browser load the page the ordinary way.
          window.location.href = target.toString();
        });
    }

    container.addEventListener("click", function (event) {
      var link = event.target.closest("a");
      if (!link || !container.contains(link) || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
        return;
      }
      var url = new URL(link.href, window.location.href);
      if (url.pathname !== window.location.pathname) {
        return;
      }
      event.preventDefault();
      load(url.toString(), link.getAttribute("data-sort-column"), true);
    });

    container.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches(".filter-form")) {
        return;
      }
      event.preventDefault();
      var params = new URLSearchParams(new FormData(form));
      var url = new URL(form.getAttribute("action"), window.location.href);
      url.search = params.toString();
      load(url.toString(), null, true);
    });

    window.addEventListener("popstate", function (event) {
      if (event.state && event.state.datastorePreview) {
        window.location.reload();
      }
    });
  }

  // --- chart builder --------------------------------------------------------------------------

  var PALETTE = "#0b4f9c"; // the site's accent: 7.9:1 on white

  function loadChartLibrary(src) {
    if (window.Chart) {
      return Promise.resolve(window.Chart);
    }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = function () { return window.Chart ? resolve(window.Chart) : reject(new Error("Chart")); };
      script.onerror = function () { reject(new Error("Chart")); };
      document.head.appendChild(script);
    });
  }

  function errorMessage(data, response) {
    if (data && typeof data === "object") {
      var error = data.error || data.errors || data;
      if (typeof error === "string") {
        return error;
      }
      if (error.message) {
        var details = [];
        Object.keys(error.fields || {}).forEach(function (key) {
          details.push(key + ": " + [].concat(error.fields[key]).join(" "));
        });
        return details.length ? error.message + " " + details.join("; ") : error.message;
      }
      if (data.detail) {
        return data.detail;
      }
    }
    return response ? response.status + " " + response.statusText : "";
  }

  function optionText(select) {
    var option = select.options[select.selectedIndex];
    return option ? option.textContent.trim() : "";
  }

  function buildChart(section) {
    var form = section.querySelector("[data-chart-form]");
    var strings = JSON.parse(document.getElementById("datastore-chart-strings").textContent);
    var status = section.querySelector("[data-chart-status]");
    var figure = section.querySelector("[data-chart-figure]");
    var caption = section.querySelector("[data-chart-caption]");
    var canvas = section.querySelector("[data-chart-canvas]");
    var table = section.querySelector("[data-chart-table]");
    var aggregateField = section.querySelector("[data-aggregate-field]");
    var maxPoints = Number(section.getAttribute("data-max-points")) || 1000;
    var chart = null;
    form.hidden = false;

    function kind() {
      var checked = form.querySelector('input[name="chart-type"]:checked');
      return checked ? checked.value : "bar";
    }

    function syncFields() {
      aggregateField.hidden = kind() === "scatter";
    }
    form.addEventListener("change", syncFields);
    syncFields();

    function fail(message) {
      status.textContent = message;
      status.classList.add("chart-status-error");
    }

    function fillTable(xLabel, yLabel, rows) {
      var head = table.querySelectorAll("thead th");
      head[0].textContent = xLabel;
      head[1].textContent = yLabel;
      var body = table.querySelector("tbody");
      body.textContent = "";
      rows.forEach(function (row) {
        var tr = document.createElement("tr");
        var th = document.createElement("th");
        th.scope = "row";
        th.textContent = row[0];
        var td = document.createElement("td");
        td.className = "num";
        td.textContent = row[1] === null || row[1] === undefined ? "" : String(row[1]);
        tr.appendChild(th);
        tr.appendChild(td);
        body.appendChild(tr);
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      status.classList.remove("chart-status-error");
      var type = kind();
      var xSelect = form.elements.x;
      var ySelect = form.elements.y;
      var x = xSelect.value;
      var y = ySelect.value;
      var aggregate = type === "scatter" ? "" : form.elements.aggregate.value;
      var xOption = xSelect.options[xSelect.selectedIndex];
      if (type === "scatter" && (!xOption || xOption.getAttribute("data-numeric") !== "1")) {
        fail(strings.scatterX);
        xSelect.focus();
        return;
      }
      if ((type === "scatter" || aggregate !== "count") && !y) {
        fail(strings.needY);
        ySelect.focus();
        return;
      }
      var xLabel = optionText(xSelect);
      var yLabel = optionText(ySelect);
      var preview = document.querySelector("[data-datastore-preview]");
      var params = new URLSearchParams(preview ? preview.getAttribute("data-lookups") || "" : "");
      var valueKey;
      var title;
      if (type === "scatter") {
        params.set("fields", x + "," + y);
        if (!params.has(x + "__isnull")) { params.set(x + "__isnull", "false"); }
        if (!params.has(y + "__isnull")) { params.set(y + "__isnull", "false"); }
        title = format(strings.titles.scatter, {x: xLabel, y: yLabel});
        yLabel = yLabel || y;
      } else {
        params.set("group_by", x);
        params.set("aggregate", aggregate === "count" ? "count" : aggregate + ":" + y);
        params.set("sort", x);
        valueKey = aggregate === "count" ? "count" : aggregate + "_" + y;
        title = format(strings.titles[aggregate], {x: xLabel, y: yLabel});
        if (aggregate === "count") { yLabel = strings.count; }
      }
      params.set("page_size", String(maxPoints));
      var url = section.getAttribute("data-records-url") + "?" + params.toString();
      status.textContent = strings.loading;

      var response;
      Promise.all([
        loadChartLibrary(section.getAttribute("data-chart-src")).catch(function () { throw new Error(strings.library); }),
        fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (r) { response = r; return r.json().catch(function () { return null; }); }),
      ]).then(function (results) {
        var Chart = results[0];
        var data = results[1];
        if (!response.ok) {
          throw new Error(format(strings.error, {message: errorMessage(data, response)}));
        }
        var result = (data && data.result) || data || {};
        var records = result.records || [];
        if (!records.length) {
          figure.hidden = true;
          fail(strings.empty);
          return;
        }
        var rows;
        var config;
        var common = {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          plugins: {legend: {display: false}},
        };
        if (type === "scatter") {
          var points = records.map(function (r) { return {x: Number(r[x]), y: Number(r[y])}; });
          rows = records.map(function (r) { return [r[x], r[y]]; });
          config = {
            type: "scatter",
            data: {datasets: [{label: title, data: points, backgroundColor: PALETTE, borderColor: PALETTE}]},
            options: Object.assign({}, common, {scales: {
              x: {type: "linear", title: {display: true, text: xLabel}},
              y: {title: {display: true, text: yLabel}},
            }}),
          };
        } else {
          var labels = records.map(function (r) { return r[x] === null || r[x] === undefined || r[x] === "" ? strings.nullLabel : String(r[x]); });
          var values = records.map(function (r) { return r[valueKey] === null ? null : Number(r[valueKey]); });
          rows = labels.map(function (label, i) { return [label, records[i][valueKey]]; });
          config = {
            type: type,
            data: {labels: labels, datasets: [{label: title, data: values, backgroundColor: PALETTE, borderColor: PALETTE, borderWidth: 2, pointRadius: 3}]},
            options: Object.assign({}, common, {scales: {
              x: {title: {display: true, text: xLabel}},
              y: {beginAtZero: type === "bar", title: {display: true, text: yLabel}},
            }}),
          };
        }
        if (chart) {
          chart.destroy();
        }
        figure.hidden = false;
        caption.textContent = title;
        canvas.setAttribute("aria-label", strings.kinds[type] + " — " + title);
        chart = new Chart(canvas, config);
        fillTable(xLabel, yLabel, rows);
        var message = format(strings.drawn, {n: records.length});
        if (result.has_next) {
          message += " " + format(strings.truncated, {n: maxPoints});
        }
        status.textContent = message;
      }).catch(function (error) {
        fail(error && error.message ? error.message : format(strings.error, {message: ""}));
      });
    });
  }

  // --- copy buttons for the API examples ------------------------------------------------------

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      return ok ? resolve() : reject(new Error("copy"));
    });
  }

  function addCopyButtons(section) {
    var announce = document.createElement("p");
    announce.className = "visually-hidden";
    announce.setAttribute("role", "status");
    section.appendChild(announce);
    section.querySelectorAll("[data-copy-source]").forEach(function (block) {
      var heading = block.previousElementSibling;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button-small button-secondary copy-button";
      button.textContent = section.getAttribute("data-copy-label");
      if (heading && /^H[2-6]$/.test(heading.tagName)) {
        var hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = " — " + heading.textContent.trim();
        button.appendChild(hidden);
      }
      button.addEventListener("click", function () {
        var code = block.querySelector("code");
        announce.textContent = "";
        copyText(code.textContent).then(function () {
          announce.textContent = section.getAttribute("data-copied-label");
        }, function () {
          announce.textContent = section.getAttribute("data-copy-failed-label");
        });
      });
      block.insertBefore(button, block.firstChild);
    });
  }

  function init() {
    document.querySelectorAll("[data-datastore-status]").forEach(watchStatus);
    document.querySelectorAll("[data-datastore-preview]").forEach(enhancePreview);
    document.querySelectorAll("[data-datastore-chart]").forEach(buildChart);
    document.querySelectorAll(".datastore-api").forEach(addCopyButtons);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
