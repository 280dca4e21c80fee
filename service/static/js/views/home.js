/* The start page's example questions, by who asks them, in the UI language. */

import { el } from "../dom.js";
import { lang, list, t } from "../i18n.js";
import * as router from "../router.js";
import { linkTo } from "./parts.js";

export function examples() {
  const groups = [
    [t("groupFrontline"), list("examples.frontline")],
    [t("groupNgo"), list("examples.ngo")],
    [t("groupTranslator"), list("examples.translator")],
  ];
  return groups.map(([title, questions]) => el("section", { class: "example-group" },
    el("h3", { text: title }),
    el("ul", { class: "example-list" },
      questions.map((q) => el("li", null, linkTo(router.urls.search(q), "example", q, { lang: lang() }))))));
}
