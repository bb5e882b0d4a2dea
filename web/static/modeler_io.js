// Reading and writing BPMN files in the modeler without loss (window.pfModelerIO, used
// by modeler.js): the Spiff extension descriptor, the blank diagram, the round-trip
// guards hooked into bpmn-js's import/export events, and decoding an uploaded file.
(function () {
  "use strict";

  const SPIFF_URI = "http://spiffworkflow.org/bpmn/schema/1.0/core";

  // The Spiff extension elements the engine and the shipped models use: declared so that
  // bpmn-js keeps them on import/export and the panel can edit them.
  const SPIFF = {
    name: "spiffworkflow",
    uri: SPIFF_URI,
    prefix: "spiffworkflow",
    xml: { tagAlias: "lowerCase" },
    associations: [],
    types: [
      { name: "Properties", superClass: ["Element"],
        properties: [{ name: "properties", type: "Property", isMany: true }] },
      { name: "Property", superClass: ["Element"],
        properties: [{ name: "name", type: "String", isAttr: true },
          { name: "value", type: "String", isAttr: true }] },
      { name: "InstructionsForEndUser", superClass: ["Element"],
        properties: [{ name: "value", type: "String", isBody: true }] },
      { name: "PreScript", superClass: ["Element"],
        properties: [{ name: "value", type: "String", isBody: true }] },
      { name: "PostScript", superClass: ["Element"],
        properties: [{ name: "value", type: "String", isBody: true }] },
      // Where a message catch event puts the message's payload (P4's completion).
      { name: "MessageVariable", superClass: ["Element"],
        properties: [{ name: "value", type: "String", isBody: true }] },
      { name: "ServiceTaskOperator", superClass: ["Element"],
        properties: [{ name: "id", type: "String", isAttr: true },
          { name: "resultVariable", type: "String", isAttr: true },
          { name: "parameters", type: "Parameters" }] },
      { name: "Parameters", superClass: ["Element"],
        properties: [{ name: "parameters", type: "Parameter", isMany: true }] },
      { name: "Parameter", superClass: ["Element"],
        properties: [{ name: "id", type: "String", isAttr: true },
          { name: "type", type: "String", isAttr: true },
          { name: "value", type: "String", isAttr: true }] },
    ],
  };

  const BLANK = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" ' +
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" ' +
    'xmlns:spiffworkflow="' + SPIFF_URI + '" id="Definitions_new" ' +
    'targetNamespace="http://bpmn.io/schema/bpmn">\n' +
    '  <bpmn:process id="Process_new" name="" isExecutable="true">\n' +
    '    <bpmn:startEvent id="StartEvent_1"/>\n' +
    '  </bpmn:process>\n' +
    '  <bpmndi:BPMNDiagram id="BPMNDiagram_1">\n' +
    '    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_new">\n' +
    '      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">\n' +
    '        <dc:Bounds x="180" y="160" width="36" height="36"/>\n' +
    '      </bpmndi:BPMNShape>\n' +
    '    </bpmndi:BPMNPlane>\n' +
    '  </bpmndi:BPMNDiagram>\n' +
    '</bpmn:definitions>\n';

  // -- import and export without loss (tests/browser/test_browser_miwg.py) ---------------
  //
  // bpmn-js alone would change a model on a round trip in four ways; the MIWG reference
  // models show each:
  // * The text given to importXML is already decoded, so the encoding its declaration names
  //   (ISO-8859-1 in several MIWG files) no longer applies: it becomes UTF-8 (the parser
  //   would warn and fall back anyway). Line ends are normalised as the XML spec says
  //   (CR LF and CR become LF), so a CR left in a value came from a reference (&#xD;).
  // * Such a CR is written as &#13; (bpmn-js writes it raw; a parser reads a space or LF).
  // * An attribute the file sets to its default value (completionQuantity="1",
  //   messageVisibleKind="initiating") is written again; bpmn-js omits every value equal
  //   to its default, also where the BPMN schema declares none (messageVisibleKind).
  // * Diagram elements bpmn-js does not draw (the shapes of a called process shown inside an
  //   expanded call activity, MIWG B.1.0 and B.2.0) stay in their plane: on save bpmn-js
  //   rebuilds each drawn plane from what it drew.
  const XML_DECLARATION = /^(\ufeff?\s*<\?xml[^>]*?\sencoding\s*=\s*)(["'])[^"']*\2/;

  function explicitDefaults(definitions) {
    const found = [];
    const seen = new Set();
    const own = Object.prototype.hasOwnProperty;
    (function walk(obj) {
      if (!obj || typeof obj !== "object" || !obj.$descriptor || seen.has(obj)) return;
      seen.add(obj);
      (obj.$descriptor.properties || []).forEach((p) => {
        if (p.isReference || p.isVirtual || !own.call(obj, p.name)) return;
        const value = obj[p.name];
        if (p.isAttr && p.default !== undefined && value === p.default) {
          found.push([obj, p.name, value]);
        } else if (Array.isArray(value)) {
          value.forEach(walk);
        } else {
          walk(value);
        }
      });
    })(definitions);
    return found;
  }

  function reachable(bo, definitions) {
    let node = bo;
    while (node && node !== definitions) node = node.$parent;
    return node === definitions;
  }

  function keepOnRoundTrip(viewer) {
    let boxed = [];
    let planes = [];
    const unbox = () => {
      boxed.forEach(([obj, name, value]) => { obj[name] = value; });
      boxed = [];
    };
    viewer.on("import.parse.start", 500, (event) =>
      event.xml.replace(/\r\n?/g, "\n").replace(XML_DECLARATION, "$1$2UTF-8$2"));
    viewer.on("saveXML.start", 3000, (event) => {
      const definitions = event.definitions;
      planes = (definitions.diagrams || []).filter((d) => d.plane)
        .map((d) => [d.plane, d.plane.get("planeElement").slice()]);
      // A boxed value is not === its default, so moddle writes it; unboxed after writing.
      boxed = explicitDefaults(definitions);
      boxed.forEach(([obj, name, value]) => { obj[name] = Object(value); });
    });
    viewer.on("saveXML.start", 1000, (event) => {
      const definitions = event.definitions;
      const placed = new Set();
      planes.forEach(([plane]) => plane.get("planeElement").forEach((di) => placed.add(di)));
      planes.forEach(([plane, before]) => {
        const lost = before.filter((di) => !placed.has(di) && di.bpmnElement &&
          reachable(di.bpmnElement, definitions));
        if (lost.length) plane.set("planeElement", plane.get("planeElement").concat(lost));
      });
      planes = [];
    });
    viewer.on("saveXML.serialized", 500, (event) => {
      unbox();
      return event.xml.replace(/\r/g, "&#13;");
    });
    viewer.on("saveXML.done", unbox);
  }

  // An uploaded file's bytes decoded as its byte-order mark or XML declaration says
  // (file.text() would read UTF-8 only; several MIWG files are ISO-8859-1).
  async function fileText(file) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const head = new TextDecoder("latin1").decode(bytes.subarray(0, 256));
    const declared = /^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([^"']+)["']/.exec(head);
    let label = declared ? declared[1] : "utf-8";
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) label = "utf-8";
    else if (bytes[0] === 0xff && bytes[1] === 0xfe) label = "utf-16le";
    else if (bytes[0] === 0xfe && bytes[1] === 0xff) label = "utf-16be";
    try {
      return new TextDecoder(label).decode(bytes);
    } catch (e) {
      return new TextDecoder("utf-8").decode(bytes); // an encoding the browser does not know
    }
  }

  window.pfModelerIO = { SPIFF, BLANK, keepOnRoundTrip, fileText };
})();
