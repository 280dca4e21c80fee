/* ATP Search web page. Vanilla JS, no build step.
 * SECURITY: every string that comes from the API, the URL or the search box is
 * put into the page with textContent / createTextNode (see el() and marked()).
 * Nothing here assigns innerHTML. */
(function () {
  "use strict";

  var SCRIPTS = ["zh-Hans", "zh-Hant", "en"];
  var STORE_KEY = "atp.lang";

  /* ---------- UI strings ---------- */
  var I18N = {
    "en": {
      copyFailedShort: "Copy failed",
      home: "Back to search",
      intro: "Find the exact clause of China's Action Plan Against Human Trafficking (2021–2030), who is responsible for it, and a short answer.",
      title: "ATP Search — China's Action Plan Against Human Trafficking (2021–2030)",
      brand: "ATP Search",
      skip: "Skip to content",
      navLabel: "Main",
      agencies: "Agencies",
      langLabel: "Interface language",
      searchLabel: "Ask a question or search the plan",
      placeholder: "e.g. What must a nurse do about a suspected case?",
      searchBtn: "Search",
      hint: "Ask in Chinese or English. Answers quote the plan and name who is responsible.",
      examplesTitle: "Example questions",
      groupFrontline: "Frontline workers",
      groupNgo: "NGOs and researchers",
      groupTranslator: "Translators",
      footer: "The Chinese text of the plan (State Council General Office, 国办发〔2021〕13号) is authoritative. The English text is the project's unofficial working translation.",
      searching: "Searching…",
      loading: "Loading…",
      resultsFor: "Results for “{q}”",
      found: "{n} passages found.",
      answer: "Answer",
      notCovered: "The plan does not seem to cover this",
      sources: "Sources",
      responsible: "Responsible agencies",
      named: "Named in your question",
      roleCounts: "leads {lead} · cooperates on {coop}",
      lead: "Lead",
      cooperating: "Cooperating",
      leadAgencies: "Lead agencies",
      coopAgencies: "Cooperating agencies",
      relevant: "Relevant clauses",
      nearest: "Nearest clauses",
      noResults: "No passages found. Try other words.",
      compare: "Compare translations",
      copyLink: "Copy link",
      copy: "Copy",
      copyAll: "Copy all three",
      copied: "Copied",
      copyFailed: "Could not copy. Select the text and copy it manually.",
      back: "Back",
      parent: "Parent clause",
      id: "ID",
      unofficialShort: "English: unofficial working translation; the Chinese text is authoritative.",
      answerUnavailable: "The answer service is unavailable; showing matching passages only.",
      show: "Show",
      all: "All",
      showing: "Showing {n} of {total}",
      agencyCounts: "Leads {lead} · cooperates on {coop}",
      agencyListTitle: "Agencies in the plan",
      agencyListIntro: "Choose an agency to see every task it leads or cooperates on.",
      agencyFilter: "Filter agencies",
      agencyNone: "No agency matches.",
      errorTitle: "Something went wrong",
      networkError: "Could not reach the server. Check your connection and try again.",
      badResponse: "The server sent an unexpected response.",
      retry: "Try again",
      kinds: { principle: "Principle", goal: "Goal", measure: "Measure", bullet: "Sub-measure", guarantee: "Safeguard" },
      scriptNames: { "zh-Hans": "Simplified Chinese", "zh-Hant": "Traditional Chinese", "en": "English" },
    },
    "zh-Hans": {
      copyFailedShort: "复制失败",
      home: "返回检索",
      intro: "查找《中国反对拐卖人口行动计划（2021—2030年）》的原文条款、责任部门和简要回答。",
      title: "反拐行动计划检索 — 中国反对拐卖人口行动计划（2021—2030年）",
      brand: "反拐计划检索",
      skip: "跳到主要内容",
      navLabel: "主导航",
      agencies: "部门",
      langLabel: "界面语言",
      searchLabel: "提问或检索行动计划",
      placeholder: "例如：医护人员发现疑似拐卖儿童怎么办？",
      searchBtn: "搜索",
      hint: "可用中文或英文提问。答案引用计划原文，并列出责任部门。",
      examplesTitle: "示例问题",
      groupFrontline: "一线工作人员",
      groupNgo: "社会组织与研究人员",
      groupTranslator: "译者",
      footer: "本计划（国办发〔2021〕13号）以中文文本为准。英文为本项目的非官方工作译文。",
      searching: "正在检索…",
      loading: "正在加载…",
      resultsFor: "“{q}”的检索结果",
      found: "共找到 {n} 条相关条文。",
      answer: "回答",
      notCovered: "行动计划似乎未涉及这个问题",
      sources: "依据条文",
      responsible: "责任部门",
      named: "问题中提到的部门",
      roleCounts: "牵头 {lead} 项 · 配合 {coop} 项",
      lead: "牵头",
      cooperating: "配合",
      leadAgencies: "牵头部门",
      coopAgencies: "配合部门",
      relevant: "相关条文",
      nearest: "最接近的条文",
      noResults: "未找到相关条文，请换个说法。",
      compare: "三语对照",
      copyLink: "复制链接",
      copy: "复制",
      copyAll: "复制三种文本",
      copied: "已复制",
      copyFailed: "复制失败，请手动选择文本复制。",
      back: "返回",
      parent: "上级条文",
      id: "编号",
      unofficialShort: "英文为非官方工作译文，以中文文本为准。",
      answerUnavailable: "问答服务暂不可用，仅显示匹配的条文。",
      show: "显示",
      all: "全部",
      showing: "显示 {n} / {total} 条",
      agencyCounts: "牵头 {lead} 项 · 配合 {coop} 项",
      agencyListTitle: "计划涉及的部门",
      agencyListIntro: "选择一个部门，查看其牵头或配合的全部任务。",
      agencyFilter: "筛选部门",
      agencyNone: "没有匹配的部门。",
      errorTitle: "出错了",
      networkError: "无法连接服务器，请检查网络后重试。",
      badResponse: "服务器返回了无法识别的内容。",
      retry: "重试",
      kinds: { principle: "原则", goal: "目标", measure: "措施", bullet: "分项措施", guarantee: "保障措施" },
      scriptNames: { "zh-Hans": "简体中文", "zh-Hant": "繁体中文", "en": "英文" },
    },
    "zh-Hant": {
      copyFailedShort: "複製失敗",
      home: "返回檢索",
      intro: "查找《中國反對拐賣人口行動計劃（2021—2030年）》的原文條款、責任部門和簡要回答。",
      title: "反拐行動計劃檢索 — 中國反對拐賣人口行動計劃（2021—2030年）",
      brand: "反拐計劃檢索",
      skip: "跳到主要內容",
      navLabel: "主導覽",
      agencies: "部門",
      langLabel: "介面語言",
      searchLabel: "提問或檢索行動計劃",
      placeholder: "例如：醫護人員發現疑似拐賣兒童怎麼辦？",
      searchBtn: "搜尋",
      hint: "可用中文或英文提問。答案引用計劃原文，並列出責任部門。",
      examplesTitle: "範例問題",
      groupFrontline: "一線工作人員",
      groupNgo: "社會組織與研究人員",
      groupTranslator: "譯者",
      footer: "本計劃（國辦發〔2021〕13號）以中文文本為準。英文為本項目的非官方工作譯文。",
      searching: "正在檢索…",
      loading: "正在載入…",
      resultsFor: "「{q}」的檢索結果",
      found: "共找到 {n} 條相關條文。",
      answer: "回答",
      notCovered: "行動計劃似乎未涉及這個問題",
      sources: "依據條文",
      responsible: "責任部門",
      named: "問題中提到的部門",
      roleCounts: "牽頭 {lead} 項 · 配合 {coop} 項",
      lead: "牽頭",
      cooperating: "配合",
      leadAgencies: "牽頭部門",
      coopAgencies: "配合部門",
      relevant: "相關條文",
      nearest: "最接近的條文",
      noResults: "未找到相關條文，請換個說法。",
      compare: "三語對照",
      copyLink: "複製連結",
      copy: "複製",
      copyAll: "複製三種文本",
      copied: "已複製",
      copyFailed: "複製失敗，請手動選取文字複製。",
      back: "返回",
      parent: "上級條文",
      id: "編號",
      unofficialShort: "英文為非官方工作譯文，以中文文本為準。",
      answerUnavailable: "問答服務暫不可用，僅顯示相符的條文。",
      show: "顯示",
      all: "全部",
      showing: "顯示 {n} / {total} 條",
      agencyCounts: "牽頭 {lead} 項 · 配合 {coop} 項",
      agencyListTitle: "計劃涉及的部門",
      agencyListIntro: "選擇一個部門，查看其牽頭或配合的全部任務。",
      agencyFilter: "篩選部門",
      agencyNone: "沒有相符的部門。",
      errorTitle: "出錯了",
      networkError: "無法連線伺服器，請檢查網路後重試。",
      badResponse: "伺服器傳回了無法識別的內容。",
      retry: "重試",
      kinds: { principle: "原則", goal: "目標", measure: "措施", bullet: "分項措施", guarantee: "保障措施" },
      scriptNames: { "zh-Hans": "簡體中文", "zh-Hant": "繁體中文", "en": "英文" },
    },
  };

  var EXAMPLES = [
    { group: "groupFrontline", q: {
      "zh-Hans": ["医护人员发现疑似拐卖儿童怎么办？", "老师发现学生可能被拐卖应该怎么做？", "婚姻登记员发现疑似被拐卖妇女怎么办？", "旅馆、交通运输从业人员发现可疑情况应当报告吗？"],
      "zh-Hant": ["醫護人員發現疑似拐賣兒童怎麼辦？", "老師發現學生可能被拐賣應該怎麼做？", "婚姻登記員發現疑似被拐賣婦女怎麼辦？", "旅館、交通運輸從業人員發現可疑情況應當報告嗎？"],
      "en": ["What must a nurse do about a suspected child trafficking case?", "What should a teacher do if a student may be trafficked?", "What should a marriage registrar do about a suspected trafficked woman?", "Should hotel and transport staff report suspicious cases?"],
    } },
    { group: "groupNgo", q: {
      "zh-Hans": ["哪个部门牵头被拐卖受害人的救助安置？", "社会组织如何参与反拐工作？", "妇联负责哪些反拐任务？", "打击跨国拐卖犯罪由哪些部门负责？"],
      "zh-Hant": ["哪個部門牽頭被拐賣受害人的救助安置？", "社會組織如何參與反拐工作？", "婦聯負責哪些反拐任務？", "打擊跨國拐賣犯罪由哪些部門負責？"],
      "en": ["Which agency leads the rescue and resettlement of victims?", "How can social organisations take part in anti-trafficking work?", "What is the Women's Federation responsible for?", "Who is responsible for fighting cross-border trafficking?"],
    } },
    { group: "groupTranslator", q: {
      "zh-Hans": ["拐卖人口犯罪“买方市场”", "被拐卖受害人身份甄别", "被解救妇女儿童心理疏导"],
      "zh-Hant": ["拐賣人口犯罪“買方市場”", "被拐賣受害人身份甄別", "被解救婦女兒童心理疏導"],
      "en": ["the “buyer's market” of trafficking", "identification of trafficking victims", "psychological counselling for rescued women and children"],
    } },
  ];

  /* ---------- state ---------- */
  var state = {
    lang: "en",
    view: null,          // {name, ...data} of what is on screen, re-rendered on language switch
    nav: 0,              // navigation token: stale responses are ignored
    controller: null,    // AbortController of the pending request
    agencies: null,      // cached GET /agencies
  };

  var $ = function (id) { return document.getElementById(id); };

  function t(key, vars) {
    var table = I18N[state.lang] || I18N.en;
    var s = table[key] != null ? table[key] : I18N.en[key];
    if (vars && typeof s === "string") {
      s = s.replace(/\{(\w+)\}/g, function (m, k) { return vars[k] != null ? String(vars[k]) : m; });
    }
    return s;
  }

  /* ---------- DOM helpers (text only) ---------- */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v == null || v === false) return;
        if (k === "class") node.className = v;
        else if (k === "text") node.textContent = v;
        else if (k === "on") Object.keys(v).forEach(function (ev) { node.addEventListener(ev, v[ev]); });
        else if (k === "hidden") node.hidden = !!v;
        else node.setAttribute(k, v === true ? "" : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function append(node, child) {
    if (child == null || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function str(v) { return typeof v === "string" ? v : v == null ? "" : String(v); }
  function pick(obj, script) {
    if (!obj || typeof obj !== "object") return str(obj);
    return str(obj[script] || obj["zh-Hans"] || obj["zh-Hant"] || obj.en || "");
  }
  // Script of passage text to show for the current interface language.
  function script() { return state.lang; }

  /* Text with highlight spans wrapped in <mark>, built from text nodes only. */
  function marked(text, spans) {
    var frag = document.createDocumentFragment();
    text = str(text);
    var list = [];
    (Array.isArray(spans) ? spans : []).forEach(function (sp) {
      if (!Array.isArray(sp) || sp.length < 2) return;
      var s = Math.max(0, Math.floor(Number(sp[0])));
      var e = Math.min(text.length, Math.floor(Number(sp[1])));
      if (isFinite(s) && isFinite(e) && e > s) list.push([s, e]);
    });
    list.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    var merged = [];
    list.forEach(function (sp) {
      var last = merged[merged.length - 1];
      if (last && sp[0] <= last[1]) last[1] = Math.max(last[1], sp[1]);
      else merged.push([sp[0], sp[1]]);
    });
    var pos = 0;
    merged.forEach(function (sp) {
      if (sp[0] > pos) frag.appendChild(document.createTextNode(text.slice(pos, sp[0])));
      var m = document.createElement("mark");
      m.textContent = text.slice(sp[0], sp[1]);
      frag.appendChild(m);
      pos = sp[1];
    });
    if (pos < text.length) frag.appendChild(document.createTextNode(text.slice(pos)));
    return frag;
  }

  /* ---------- URLs and navigation ---------- */
  function passageUrl(id) { return "/?passage=" + encodeURIComponent(id); }
  function agencyUrl(id, role) {
    return "/?agency=" + encodeURIComponent(id) + (role && role !== "any" ? "&role=" + encodeURIComponent(role) : "");
  }
  function searchUrl(q) { return "/?q=" + encodeURIComponent(q); }

  function depth() { return (history.state && history.state.atpDepth) || 0; }

  function navigate(url) {
    var target = new URL(url, location.href);
    if (target.pathname + target.search === location.pathname + location.search) {
      history.replaceState({ atpDepth: depth() }, "", target.pathname + target.search);
    } else {
      history.pushState({ atpDepth: depth() + 1 }, "", target.pathname + target.search);
    }
    route(true);
  }

  function parseRoute() {
    var p = new URLSearchParams(location.search);
    var passage = (p.get("passage") || "").trim();
    var agency = (p.get("agency") || "").trim();
    var q = (p.get("q") || "").trim();
    if (passage) return { name: "passage", id: passage };
    if (agency) {
      var role = p.get("role");
      return { name: "agency", id: agency, role: role === "lead" || role === "cooperating" ? role : "any" };
    }
    if (p.get("view") === "agencies") return { name: "agencies" };
    if (q) return { name: "search", q: q };
    return { name: "home" };
  }

  /* ---------- API ---------- */
  function ApiError(message, code, status) {
    this.message = message; this.code = code; this.status = status;
  }

  function api(path, options) {
    options = options || {};
    if (state.controller) { try { state.controller.abort(); } catch (e) { /* ignore */ } }
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    state.controller = controller;
    var init = { method: options.method || "GET", headers: { "Accept": "application/json" } };
    if (controller) init.signal = controller.signal;
    if (options.body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    return fetch(path, init).then(function (res) {
      return res.text().then(function (raw) {
        var body = null;
        try { body = raw ? JSON.parse(raw) : null; } catch (e) { body = null; }
        if (!res.ok) {
          var err = body && body.error;
          var msg = err && typeof err.message === "string" && err.message
            ? err.message
            : body && typeof body.detail === "string" ? body.detail : "HTTP " + res.status;
          throw new ApiError(msg, err && typeof err.code === "string" ? err.code : "http_" + res.status, res.status);
        }
        if (body === null || typeof body !== "object") throw new ApiError(t("badResponse"), "bad_response", res.status);
        return body;
      });
    }, function (e) {
      if (e && e.name === "AbortError") throw e;
      throw new ApiError(t("networkError"), "network_error", 0);
    });
  }

  /* ---------- status / errors ---------- */
  function setStatus(text, quiet) {
    var s = $("status");
    s.textContent = text || "";
    s.classList.toggle("sr-only", !!quiet);
  }
  function busy(on) { $("view").setAttribute("aria-busy", on ? "true" : "false"); }

  function showError(err) {
    var box = $("error");
    clear(box);
    box.hidden = false;
    var msg = err && typeof err.message === "string" ? err.message : t("networkError");
    append(box, [
      el("h2", { class: "error-title", text: t("errorTitle") }),
      el("p", { class: "error-message", text: msg, lang: err && err.status ? "en" : null }),
      err && err.code ? el("p", { class: "error-code" }, el("code", { text: err.code + (err.status ? " · " + err.status : "") })) : null,
      el("div", { class: "card-actions" },
        !err || !err.status || err.status >= 500 || err.status === 429
          ? el("button", { type: "button", class: "btn btn-small", text: t("retry"), on: { click: function () { route(false); } } })
          : null,
        linkTo("/", "btn btn-small btn-ghost", t("home"))),
    ]);
  }
  function hideError() { var box = $("error"); box.hidden = true; clear(box); }

  /* ---------- clipboard ---------- */
  function copyText(text, button) {
    function done(ok) {
      setStatus(ok ? t("copied") : t("copyFailed"), true);
      if (button) {
        var label = button.getAttribute("data-label") || button.textContent;
        button.setAttribute("data-label", label);
        button.textContent = ok ? t("copied") : t("copyFailedShort");
        if (!ok) setStatus(t("copyFailed"));
        button.classList.toggle("copied", ok);
        clearTimeout(button._timer);
        button._timer = setTimeout(function () {
          button.textContent = button.getAttribute("data-label");
          button.classList.remove("copied");
        }, 2000);
      }
    }
    function fallback() {
      var ta = document.createElement("textarea");
      ta.value = text;
      ta.setAttribute("readonly", "");
      ta.style.position = "fixed"; ta.style.top = "0"; ta.style.left = "0"; ta.style.opacity = "0";
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(ta);
      if (button) button.focus();
      done(ok);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  }

  /* ---------- shared pieces ---------- */
  function agencyName(a) { return pick(a, script()) || str(a && a.id); }

  function chips(list, cls) {
    var ul = el("ul", { class: "chips" });
    (list || []).forEach(function (a) {
      if (!a || !a.id) return;
      ul.appendChild(el("li", null, el("button", {
        type: "button", class: "chip " + cls, "data-agency": a.id,
        title: pick(a, "en"), lang: script(),
        "aria-current": state.view && state.view.name === "agency" && state.view.id === a.id ? "true" : null,
        on: { click: function () { navigate(agencyUrl(a.id)); } },
      }, agencyName(a))));
    });
    return ul;
  }

  // Agencies the question names, each with its counts: the way into all its obligations.
  function namedAgencies(list) {
    var ul = chips(list, "chip-named");
    Array.prototype.forEach.call(ul.children, function (li, i) {
      var a = list.filter(function (x) { return x && x.id; })[i];
      li.appendChild(el("span", { class: "role-counts", text: t("roleCounts", { lead: a.lead_count, coop: a.cooperating_count }) }));
    });
    return el("div", { class: "agency-row named" }, el("span", { class: "agency-label", text: t("named") }), ul);
  }

  function agencyRows(p) {
    var rows = [];
    if (p.lead_agencies && p.lead_agencies.length) {
      rows.push(el("div", { class: "agency-row" }, el("span", { class: "agency-label", text: t("leadAgencies") }), chips(p.lead_agencies, "chip-lead")));
    }
    if (p.cooperating_agencies && p.cooperating_agencies.length) {
      rows.push(el("div", { class: "agency-row" }, el("span", { class: "agency-label", text: t("coopAgencies") }), chips(p.cooperating_agencies, "chip-coop")));
    }
    return rows.length ? el("div", { class: "agencies" }, rows) : null;
  }

  // Where a passage sits: its ancestors' titles. A parent measure's "title" is its whole
  // text, so long steps are shortened (the parent clause is one click away).
  function crumbs(p, full) {
    var max = script() === "en" ? 60 : 24;
    var steps = (Array.isArray(p.path) ? p.path : []).filter(function (s) { return s && s.id !== p.id; })
      .map(function (s) {
        var title = pick(s.title, script());
        return !full && title.length > max ? title.slice(0, max - 1).replace(/[\s，,、；;]+$/, "") + "…" : title;
      }).filter(Boolean);
    return steps.length ? el("p", { class: "crumbs", lang: script(), text: steps.join(" › ") }) : null;
  }

  function kindBadge(kind) {
    var k = str(kind);
    return el("span", { class: "kind kind-" + k.replace(/[^a-z]/g, ""), text: (t("kinds") || {})[k] || k });
  }

  function linkTo(url, cls, text, attrs) {
    var a = el("a", Object.assign({ href: url, class: cls }, attrs || {}), text);
    a.setAttribute("data-nav", "");
    return a;
  }

  function passageCard(p, opts) {
    opts = opts || {};
    var sc = script();
    var id = str(p.id);
    var hl = opts.highlights && opts.highlights[sc];
    var card = el("article", { class: "card", "data-id": id, "data-role": opts.role || null },
      el("div", { class: "card-meta" },
        kindBadge(p.kind),
        opts.role ? el("span", { class: "role role-" + (opts.role === "lead" ? "lead" : "coop"), text: opts.role === "lead" ? t("lead") : t("cooperating") }) : null,
        el("code", { class: "pid", title: t("id") }, id)),
      el("h3", { class: "card-title" }, linkTo(passageUrl(id), "cite", pick(p.citation, sc), { lang: sc })),
      crumbs(p),
      el("p", { class: "ptext", lang: sc }, marked(pick(p.text, sc), hl)),
      agencyRows(p),
      el("div", { class: "card-actions" },
        linkTo(passageUrl(id), "btn btn-small", t("compare")),
        el("button", { type: "button", class: "btn btn-small btn-ghost copy-link", on: { click: function (ev) {
          copyText(location.origin + passageUrl(id), ev.currentTarget);
        } } }, t("copyLink"))));
    return card;
  }

  function focusHeading() {
    var h = document.querySelector("#view [data-focus]");
    if (h) { try { h.focus({ preventScroll: true }); } catch (e) { h.focus(); } }
  }

  /* ---------- views ---------- */
  function renderExamples(show) {
    var box = $("examples");
    box.hidden = !show;
    var groups = $("example-groups");
    clear(groups);
    if (!show) return;
    EXAMPLES.forEach(function (g) {
      var list = el("ul", { class: "example-list" });
      (g.q[state.lang] || g.q.en).forEach(function (q) {
        list.appendChild(el("li", null, linkTo(searchUrl(q), "example", q, { lang: state.lang })));
      });
      groups.appendChild(el("section", { class: "example-group" }, el("h3", { text: t(g.group) }), list));
    });
  }

  function renderSearch(v) {
    var view = $("view");
    var data = v.data || {};
    var results = Array.isArray(data.results) ? data.results : [];
    var byId = {};
    results.forEach(function (r) { if (r && r.passage && r.passage.id) byId[r.passage.id] = r.passage; });
    var answered = data.answered !== false;
    var out = [];

    out.push(el("h2", { class: "results-for", tabindex: "-1", "data-focus": "" }, t("resultsFor", { q: v.q })));

    if (typeof data.answer === "string" && data.answer) {
      var cites = el("ol", { class: "citations" });
      var leads = [], seen = {}, details = {};
      (Array.isArray(data.citation_details) ? data.citation_details : []).forEach(function (d) {
        if (d && d.id && typeof d.citation === "string") details[d.id] = d.citation;
      });
      (Array.isArray(data.citations) ? data.citations : []).forEach(function (cid) {
        cid = str(cid);
        var p = byId[cid];
        var label = p ? pick(p.citation, script()) : details[cid] || cid;
        cites.appendChild(el("li", null, linkTo(passageUrl(cid), "citation", label, { lang: p ? script() : str(data.lang) || null }),
          " ", el("code", { class: "pid" }, cid)));
        if (p) (p.lead_agencies || []).forEach(function (a) { if (a && a.id && !seen[a.id]) { seen[a.id] = 1; leads.push(a); } });
      });
      out.push(el("section", { class: "answer" + (answered ? "" : " not-answered"), "aria-labelledby": "answer-h", "aria-live": "polite" },
        el("h2", { id: "answer-h", class: "answer-title", text: t("answer") }),
        el("p", { class: "answer-text", lang: str(data.lang) || null }, data.answer),
        cites.childNodes.length ? el("div", { class: "answer-sources" }, el("h3", { text: t("sources") }), cites) : null,
        answered && leads.length ? el("div", { class: "agency-row" }, el("span", { class: "agency-label", text: t("responsible") }), chips(leads, "chip-lead")) : null,
        Array.isArray(data.agencies) && data.agencies.length ? namedAgencies(data.agencies) : null,
        typeof data.notice === "string" && data.notice ? el("p", { class: "notice", lang: str(data.lang) || null, text: data.notice }) : null));
    } else if (v.note) {
      out.push(el("p", { class: "note", text: v.note }));
    }

    var list = el("ol", { class: "cards results", "aria-label": answered ? t("relevant") : t("nearest") });
    results.forEach(function (r) {
      if (!r || !r.passage) return;
      list.appendChild(el("li", null, passageCard(r.passage, { highlights: r.highlights, rank: r.rank })));
    });
    out.push(el("section", { class: "results-section", "aria-labelledby": "results-h" },
      el("h2", { id: "results-h", class: "section-title" }, answered ? t("relevant") : t("nearest"),
        " ", el("span", { class: "count", text: "(" + results.length + ")" })),
      results.length ? list : el("p", { class: "empty", text: t("noResults") }),
      results.length && state.lang === "en" ? el("p", { class: "note small", text: t("unofficialShort") }) : null));

    var answerCol = out.length > 2 ? out.splice(1, 1)[0] : null;
    var layout = el("div", { class: "search-layout" + (answerCol ? " has-answer" : "") },
      answerCol ? el("div", { class: "answer-col" }, answerCol) : null, out.splice(1));
    clear(view);
    append(view, [out[0], layout]);
  }

  function renderPassage(v) {
    var p = v.data;
    var view = $("view");
    var sc = script();
    var id = str(p.id);
    var cols = SCRIPTS.map(function (s) {
      var hid = "col-" + s;
      return el("section", { class: "col col-" + s, "aria-labelledby": hid },
        el("div", { class: "col-head" },
          el("h3", { id: hid, text: t("scriptNames")[s] }),
          el("button", { type: "button", class: "btn btn-small copy", "data-script": s,
            "aria-label": t("copy") + " · " + t("scriptNames")[s],
            on: { click: function (ev) { copyText(pick(p.text, s), ev.currentTarget); } } }, t("copy"))),
        el("p", { class: "col-citation", lang: s, text: pick(p.citation, s) }),
        el("p", { class: "col-text", lang: s, "data-script": s, text: pick(p.text, s) }),
        s === "en" ? el("p", { class: "unofficial", lang: "en", text: str(p.translation && p.translation.en) || I18N.en.unofficialShort }) : null);
    });
    var all = SCRIPTS.map(function (s) { return pick(p.citation, s) + "\n" + pick(p.text, s); }).join("\n\n");
    var node = el("section", { class: "passage-view translator", "data-id": id },
      depth() > 0 ? el("button", { type: "button", class: "btn btn-ghost btn-small back", on: { click: function () { history.back(); } } }, "← " + t("back")) : null,
      crumbs(p),
      el("h2", { class: "passage-title", tabindex: "-1", "data-focus": "", lang: sc, text: pick(p.citation, sc) }),
      el("div", { class: "card-meta" }, kindBadge(p.kind), el("code", { class: "pid", title: t("id") }, id)),
      agencyRows(p),
      el("div", { class: "card-actions" },
        el("button", { type: "button", class: "btn btn-small copy-link", on: { click: function (ev) { copyText(location.origin + passageUrl(id), ev.currentTarget); } } }, t("copyLink")),
        el("button", { type: "button", class: "btn btn-small btn-ghost copy-all", on: { click: function (ev) { copyText(all, ev.currentTarget); } } }, t("copyAll")),
        p.parent_id ? linkTo(passageUrl(p.parent_id), "btn btn-small btn-ghost", "↑ " + t("parent") + " " + p.parent_id) : null),
      el("div", { class: "tri" }, cols));
    clear(view);
    view.appendChild(node);
  }

  function renderAgency(v) {
    var d = v.data;
    var a = d.agency || { id: v.id };
    var counts = d.counts || {};
    var results = Array.isArray(d.results) ? d.results : [];
    var nLead = Number(counts.lead) || 0, nCoop = Number(counts.cooperating) || 0;
    var sc = script();
    var view = $("view");
    var role = v.role || "any";

    var list = el("ol", { class: "cards agency-results" });
    results.forEach(function (r) {
      if (!r || !r.passage) return;
      list.appendChild(el("li", { "data-role": r.role }, passageCard(r.passage, { role: r.role })));
    });
    var shown = el("p", { class: "showing", role: "status" });

    function apply(r) {
      role = r;
      var n = 0;
      Array.prototype.forEach.call(list.children, function (li) {
        var ok = r === "any" || li.getAttribute("data-role") === r;
        li.hidden = !ok;
        if (ok) n++;
      });
      shown.textContent = t("showing", { n: n, total: results.length });
      v.role = r;
    }

    var options = [["any", t("all"), nLead + nCoop], ["lead", t("lead"), nLead], ["cooperating", t("cooperating"), nCoop]];
    var fs = el("fieldset", { class: "role-filter" }, el("legend", { text: t("show") }),
      options.map(function (o) {
        var input = el("input", { type: "radio", name: "role", value: o[0], id: "role-" + o[0],
          on: { change: function () {
            apply(o[0]);
            history.replaceState(history.state, "", agencyUrl(a.id || v.id, o[0]));
          } } });
        input.checked = o[0] === role;
        return el("label", { class: "seg", for: "role-" + o[0] }, input,
          el("span", null, o[1] + " ", el("span", { class: "n", "data-count": o[0], text: String(o[2]) })));
      }));

    var others = SCRIPTS.filter(function (s) { return s !== sc; }).map(function (s) {
      return el("span", { lang: s, text: pick(a, s) });
    });
    var node = el("section", { class: "agency-view", "data-agency": str(a.id || v.id) },
      depth() > 0 ? el("button", { type: "button", class: "btn btn-ghost btn-small back", on: { click: function () { history.back(); } } }, "← " + t("back")) : null,
      el("h2", { class: "agency-title", tabindex: "-1", "data-focus": "", lang: sc, text: agencyName(a) }),
      el("p", { class: "alt-names" }, others[0], " · ", others[1], a.id ? el("code", { class: "pid" }, str(a.id)) : null),
      el("p", { class: "counts", text: t("agencyCounts", { lead: nLead, coop: nCoop }) }),
      fs, shown, list,
      state.lang === "en" ? el("p", { class: "note small", text: t("unofficialShort") }) : null,
      el("p", null, linkTo("/?view=agencies", "more", t("agencyListTitle") + " →")));
    clear(view);
    view.appendChild(node);
    apply(role);
  }

  function renderAgencyList(v) {
    var items = (v.data && Array.isArray(v.data.agencies)) ? v.data.agencies : [];
    var sc = script();
    var view = $("view");
    var list = el("ul", { class: "agency-list" });
    var none = el("p", { class: "empty", hidden: true, text: t("agencyNone") });
    items.forEach(function (a) {
      if (!a || !a.id) return;
      var hay = [a.id, a["zh-Hans"], a["zh-Hant"], a.en].concat(a.abbreviations || [], a.aliases || []).map(str).join("\n").toLowerCase();
      var li = el("li", { "data-search": hay },
        linkTo(agencyUrl(a.id), "agency-link", agencyName(a), { lang: sc }),
        el("span", { class: "agency-sub" },
          sc === "en" ? el("span", { lang: "zh-Hans", text: pick(a, "zh-Hans") }) : el("span", { lang: "en", text: pick(a, "en") }),
          el("span", { class: "agency-counts", text: t("agencyCounts", { lead: Number(a.lead_count) || 0, coop: Number(a.cooperating_count) || 0 }) })));
      list.appendChild(li);
    });
    var filter = el("input", { type: "search", id: "agency-filter", autocomplete: "off", on: { input: function () {
      var q = filter.value.trim().toLowerCase();
      var n = 0;
      Array.prototype.forEach.call(list.children, function (li) {
        var ok = !q || li.getAttribute("data-search").indexOf(q) >= 0;
        li.hidden = !ok; if (ok) n++;
      });
      none.hidden = n > 0;
    } } });
    var node = el("section", { class: "agency-list-view" },
      el("h2", { tabindex: "-1", "data-focus": "", text: t("agencyListTitle") }),
      el("p", { class: "hint", text: t("agencyListIntro") }),
      el("label", { for: "agency-filter", class: "search-label small", text: t("agencyFilter") }),
      filter, list, none);
    clear(view);
    view.appendChild(node);
  }

  function renderCurrent() {
    var v = state.view;
    renderExamples(!v || v.name === "home");
    if (!v || v.name === "home") { clear($("view")); return; }
    if (v.name === "search") renderSearch(v);
    else if (v.name === "passage") renderPassage(v);
    else if (v.name === "agency") renderAgency(v);
    else if (v.name === "agencies") renderAgencyList(v);
  }

  /* ---------- router ---------- */
  function route(userAction) {
    var r = parseRoute();
    var token = ++state.nav;
    hideError();
    $("q").value = r.name === "search" ? r.q : "";
    if (r.name === "home") {
      state.view = { name: "home" };
      setStatus("");
      busy(false);
      renderCurrent();
      if (state.controller) { try { state.controller.abort(); } catch (e) { /* ignore */ } }
      return Promise.resolve();
    }
    renderExamples(false);
    setStatus(r.name === "search" ? t("searching") : t("loading"));
    busy(true);
    var work;
    if (r.name === "search") {
      work = api("/ask", { method: "POST", body: { question: r.q, lang: "auto" } }).then(function (data) {
        return { name: "search", q: r.q, data: data };
      }, function (err) {
        // The answer service failing should not hide the passages: fall back to /search.
        if (!(err instanceof ApiError) || !(err.status >= 500 || err.status === 404 || err.status === 405)) throw err;
        return api("/search?q=" + encodeURIComponent(r.q) + "&k=10").then(function (data) {
          return { name: "search", q: r.q, data: { results: data.results }, note: t("answerUnavailable") };
        }, function () { throw err; });
      });
    } else if (r.name === "passage") {
      work = api("/passages/" + encodeURIComponent(r.id)).then(function (data) { return { name: "passage", id: r.id, data: data }; });
    } else if (r.name === "agency") {
      work = api("/agencies/" + encodeURIComponent(r.id) + "/passages?role=any").then(function (data) {
        return { name: "agency", id: r.id, role: r.role, data: data };
      });
    } else {
      work = (state.agencies ? Promise.resolve(state.agencies) : api("/agencies")).then(function (data) {
        state.agencies = data;
        return { name: "agencies", data: data };
      });
    }
    return work.then(function (v) {
      if (token !== state.nav) return;
      state.view = v;
      busy(false);
      renderCurrent();
      if (v.name === "search") {
        var n = (v.data.results || []).length;
        setStatus((v.data.answered === false ? t("notCovered") + ". " : "") + t("found", { n: n }), true);
      } else {
        setStatus("");
      }
      if (userAction) { window.scrollTo(0, 0); focusHeading(); }
    }, function (err) {
      if (token !== state.nav) return;
      if (err && err.name === "AbortError") return;
      busy(false);
      setStatus("");
      state.view = { name: "error" };
      clear($("view"));
      showError(err instanceof ApiError ? err : new ApiError(t("networkError"), "client_error", 0));
    });
  }

  /* ---------- language ---------- */
  function detectLang() {
    try {
      var saved = localStorage.getItem(STORE_KEY);
      if (saved && I18N[saved]) return saved;
    } catch (e) { /* storage blocked */ }
    var langs = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"]);
    var l = String(langs[0] || "en").toLowerCase();
    if (/^zh(-|_|$)/.test(l)) {
      return /(hant|-tw|-hk|-mo|_tw|_hk|_mo)/.test(l) ? "zh-Hant" : "zh-Hans";
    }
    return "en";
  }

  function applyStrings() {
    document.documentElement.lang = state.lang;
    document.title = t("title");
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (n) {
      n.textContent = t(n.getAttribute("data-i18n"));
      if (n.closest(".lang-switch") == null) n.setAttribute("lang", state.lang);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n-placeholder]"), function (n) {
      n.setAttribute("placeholder", t(n.getAttribute("data-i18n-placeholder")));
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n-aria]"), function (n) {
      n.setAttribute("aria-label", t(n.getAttribute("data-i18n-aria")));
    });
    Array.prototype.forEach.call(document.querySelectorAll(".lang-btn"), function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-lang") === state.lang ? "true" : "false");
    });
  }

  function setLang(lang, save) {
    if (!I18N[lang]) return;
    state.lang = lang;
    if (save) { try { localStorage.setItem(STORE_KEY, lang); } catch (e) { /* ignore */ } }
    applyStrings();
    if (state.view && state.view.name !== "error") renderCurrent();
    else renderExamples(!state.view || state.view.name === "home");
  }

  /* ---------- wiring ---------- */
  function init() {
    state.lang = detectLang();
    applyStrings();

    $("search-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var q = $("q").value.trim();
      if (!q) { $("q").focus(); return; }
      $("q").blur();
      navigate(searchUrl(q));
    });

    Array.prototype.forEach.call(document.querySelectorAll(".lang-btn"), function (b) {
      b.addEventListener("click", function () { setLang(b.getAttribute("data-lang"), true); });
    });

    // In-page links (citations, examples, agency list, nav) use pushState; modified clicks open normally.
    document.addEventListener("click", function (ev) {
      if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      var a = ev.target.closest && ev.target.closest("a[data-nav], #home-link, #agencies-link");
      if (!a) return;
      var url = new URL(a.getAttribute("href"), location.href);
      if (url.origin !== location.origin) return;
      ev.preventDefault();
      navigate(url.pathname + url.search);
    });

    window.addEventListener("popstate", function () { route(true); });
    route(false);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
