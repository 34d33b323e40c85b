// The implementation of world `res`: the exported resource `blob` is this
// module's class `api.Blob`.
import { Tuple_impl_api_Blob__impl_api_Blob } from "./bindings/bindings";

const gone: Array<string> = [];

export namespace api {
  export class Blob {
    constructor(public s: string) {}
    append(s: string): void {
      this.s += s;
    }
    text(): string {
      return this.s;
    }
    static merge(a: Blob, b: Blob): Blob {
      return new Blob(a.s + "+" + b.s);
    }
    dispose(): void {
      gone.push(this.s);
    }
  }
  export function consume(b: Blob): string {
    return "consumed " + b.s;
  }
  export function makeTwo(a: string, b: string): Tuple_impl_api_Blob__impl_api_Blob {
    return new Tuple_impl_api_Blob__impl_api_Blob(new Blob(a), new Blob(b));
  }
  export function pass(b: Blob): Blob {
    b.append("!");
    return b;
  }
  export function disposed(): Array<string> {
    return gone;
  }
}
