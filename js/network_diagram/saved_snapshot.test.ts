// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { FakeModel } from "../shared/fake_model";
import type { NetworkDiagramTraits } from "../shared/protocol";
import { widgetHarness } from "../shared/widget_harness";
import { mlpJson } from "./fixtures";
import widget from "./widget";

type Traits = NetworkDiagramTraits & { snapshot: unknown };
const SIZES = [1, 30, 20, 1];

/** A weights message of the MLP (every kernel and bias filled with `value`). */
function weights(version: number, value: number): [Record<string, unknown>, DataView[]] {
  const buffers: DataView[] = [];
  const layers = SIZES.slice(1).map((nOut, k) => {
    buffers.push(new DataView(new Float32Array(SIZES[k] * nOut).fill(value).buffer));
    buffers.push(new DataView(new Float32Array(nOut).fill(value).buffer));
    return { layer: k, n_in: SIZES[k], n_out: nOut, bias: true };
  });
  return [{ v: 2, kind: "weights", version, layers }, buffers];
}

const h = widgetHarness(widget);
const diagram = () => h.$('[data-testid="network-diagram"]');
let model: FakeModel<Traits>;

function renderDiagram(snapshot: unknown) {
  model = new FakeModel<Traits>({ architecture: mlpJson(SIZES), height: 360, title: "", editable: true, snapshot });
  h.render(model);
  h.resizeTo(640);
}

describe("NetworkDiagram saved picture", () => {
  it("draws the weights kept in widget state when no kernel answers", () => {
    const [content, buffers] = weights(12, 0.5);
    renderDiagram({ messages: [content], counts: [buffers.length], buffers });
    h.flushFrames();
    expect(diagram().dataset.edges).toBe("650");
    expect(diagram().dataset.version).toBe("12");
  });

  it("keeps live weights over a snapshot kept later", () => {
    renderDiagram({ messages: [], counts: [], buffers: [] });
    model.receive(...weights(3, 0.25));
    const [content, buffers] = weights(2, 0.5);
    model.set("snapshot", { messages: [content], counts: [buffers.length], buffers });
    h.flushFrames();
    expect(diagram().dataset.version).toBe("3");
  });
});
