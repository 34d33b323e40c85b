import { parse } from '@bytecodealliance/jco';
import { loadComponentBinary } from './dist/host/component/validate.js';
const b = await parse(`(component (type $l (list u8 4000000000)) (type (func (param "x" $l))))`);
console.log(b.length);
try { loadComponentBinary(b); console.log('ok?') } catch (e) { console.log(String(e)); }
