// bpmnlint in the modeler's browser page (bundled by `npm run build` with esbuild into
// node_modules/.policyflow/bpmnlint.js, served at /vendor/bpmnlint.js; never served raw).
//
// window.pfLint(definitions) lints a bpmn-js definitions tree (modeler.getDefinitions())
// with the configuration in ./config.js (bpmnlint's "recommended" rules, some downgraded)
// and resolves to [{element_id, message, severity: "error"|"warning", rule}].
// The rules are resolved statically: every rule the recommended config names is imported
// here (the bundle cannot read node_modules at run time); a rule missing here is reported
// as an error of the linter itself, never silently skipped.

import Linter from "bpmnlint/lib/linter";
import StaticResolver from "bpmnlint/lib/resolver/static-resolver";
import recommended from "bpmnlint/config/recommended";

import adHocSubProcess from "bpmnlint/rules/ad-hoc-sub-process";
import conditionalFlows from "bpmnlint/rules/conditional-flows";
import endEventRequired from "bpmnlint/rules/end-event-required";
import eventBasedGateway from "bpmnlint/rules/event-based-gateway";
import eventSubProcessTypedStartEvent from "bpmnlint/rules/event-sub-process-typed-start-event";
import fakeJoin from "bpmnlint/rules/fake-join";
import globalRule from "bpmnlint/rules/global";
import labelRequired from "bpmnlint/rules/label-required";
import linkEvent from "bpmnlint/rules/link-event";
import noBpmndi from "bpmnlint/rules/no-bpmndi";
import noComplexGateway from "bpmnlint/rules/no-complex-gateway";
import noDisconnected from "bpmnlint/rules/no-disconnected";
import noDuplicateSequenceFlows from "bpmnlint/rules/no-duplicate-sequence-flows";
import noGatewayJoinFork from "bpmnlint/rules/no-gateway-join-fork";
import noImplicitSplit from "bpmnlint/rules/no-implicit-split";
import noImplicitEnd from "bpmnlint/rules/no-implicit-end";
import noImplicitStart from "bpmnlint/rules/no-implicit-start";
import noInclusiveGateway from "bpmnlint/rules/no-inclusive-gateway";
import noOverlappingElements from "bpmnlint/rules/no-overlapping-elements";
import singleBlankStartEvent from "bpmnlint/rules/single-blank-start-event";
import singleEventDefinition from "bpmnlint/rules/single-event-definition";
import startEventRequired from "bpmnlint/rules/start-event-required";
import subProcessBlankStartEvent from "bpmnlint/rules/sub-process-blank-start-event";
import superfluousGateway from "bpmnlint/rules/superfluous-gateway";
import superfluousLabel from "bpmnlint/rules/superfluous-label";
import superfluousTermination from "bpmnlint/rules/superfluous-termination";

import config from "./config.js";

const RULES = {
  "ad-hoc-sub-process": adHocSubProcess,
  "conditional-flows": conditionalFlows,
  "end-event-required": endEventRequired,
  "event-based-gateway": eventBasedGateway,
  "event-sub-process-typed-start-event": eventSubProcessTypedStartEvent,
  "fake-join": fakeJoin,
  "global": globalRule,
  "label-required": labelRequired,
  "link-event": linkEvent,
  "no-bpmndi": noBpmndi,
  "no-complex-gateway": noComplexGateway,
  "no-disconnected": noDisconnected,
  "no-duplicate-sequence-flows": noDuplicateSequenceFlows,
  "no-gateway-join-fork": noGatewayJoinFork,
  "no-implicit-split": noImplicitSplit,
  "no-implicit-end": noImplicitEnd,
  "no-implicit-start": noImplicitStart,
  "no-inclusive-gateway": noInclusiveGateway,
  "no-overlapping-elements": noOverlappingElements,
  "single-blank-start-event": singleBlankStartEvent,
  "single-event-definition": singleEventDefinition,
  "start-event-required": startEventRequired,
  "sub-process-blank-start-event": subProcessBlankStartEvent,
  "superfluous-gateway": superfluousGateway,
  "superfluous-label": superfluousLabel,
  "superfluous-termination": superfluousTermination,
};

const cache = { "config:bpmnlint/recommended": recommended };
Object.keys(RULES).forEach((name) => {
  cache["rule:bpmnlint/" + name] = RULES[name];
});

const resolver = new StaticResolver(cache);

const SEVERITY = { error: "error", warn: "warning" };

// bpmnlint reads a node's `incoming`/`outgoing`, which BPMN allows to be left out (the
// engine follows sourceRef/targetRef): the flows missing there are added while linting, as
// bpmn-js does when a flow is drawn, so such a model is not reported as disconnected; they
// are taken out again afterwards (linting never changes the model that is saved).
function linkFlows(element, added) {
  (element.flowElements || []).forEach((child) => {
    if (child.$instanceOf("bpmn:SequenceFlow")) {
      [[child.sourceRef, "outgoing"], [child.targetRef, "incoming"]].forEach(([node, side]) => {
        if (!node || !node.$instanceOf("bpmn:FlowNode")) return;
        const had = Object.prototype.hasOwnProperty.call(node, side);
        if (node.get(side).indexOf(child) < 0) {
          node.get(side).push(child);
          added.push([node, side, child, had]);
        } else if (!had) {
          delete node[side];
        }
      });
    }
    linkFlows(child, added);
  });
}

async function pfLint(definitions) {
  const added = [];
  (definitions.rootElements || []).forEach((root) => linkFlows(root, added));
  // A new Linter each time: it caches rule instances, and some rules keep state in them
  // (no-duplicate-sequence-flows would report every flow of a second run as a duplicate).
  const linter = new Linter({ config: config, resolver: resolver });
  let reports;
  try {
    reports = await linter.lint(definitions);
  } finally {
    added.reverse().forEach(([node, side, flow, had]) => {
      const list = node[side];
      list.splice(list.indexOf(flow), 1);
      if (!had && !list.length) delete node[side]; // as it was before the first push
    });
  }
  const problems = [];
  Object.keys(reports).forEach((rule) => {
    reports[rule].forEach((r) => {
      problems.push({
        element_id: r.id || "",
        message: r.message,
        // "rule-error" (a rule that crashed) counts as an error: better loud than silent.
        severity: SEVERITY[r.category] || "error",
        rule: "bpmnlint/" + rule,
      });
    });
  });
  return problems;
}

pfLint.config = config;
pfLint.rules = Object.keys(RULES);
pfLint.resolvedRules = () =>
  new Linter({ resolver: resolver }).resolveConfiguredRules(config);

globalThis.pfLint = pfLint;
