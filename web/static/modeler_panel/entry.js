// The modeler page's bundle (built by `npm run build` with esbuild into
// node_modules/.policyflow/modeler.js and .css, served by web/views/modeler.py): the bpmn-js
// Modeler with bpmn-js-properties-panel, its stock BPMN provider and ours (./provider.js).
// window.PfModelerKit = {Modeler, modules, values}; modeler.js builds the page from it.

import Modeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";

import "@bpmn-io/properties-panel/dist/assets/properties-panel.css";

import PolicyflowPanelModule from "./provider.js";
import * as values from "./values.js";

globalThis.PfModelerKit = {
  Modeler: Modeler,
  modules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, PolicyflowPanelModule],
  values: values,
};
