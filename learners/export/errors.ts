/** ExportError: a policy that cannot be exported as asked (exit 2: the user can change the input or the flags). */
import { WrpError } from '../../core/errors.ts';

export class ExportError extends WrpError {
  override name = 'ExportError';
  constructor(message: string) {
    super('WRP_EXPORT', message);
  }
}
