import { firstErrorLine, quote } from '../../lib/cli/kubectl';

describe('kubectl output', () => {
  test.each([
    [
      'Error from server (Invalid): error when creating "STDIN": Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0\n',
      'Invalid: Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ],
    ['error: the server doesn\'t have a resource type "prometheuses"\n', 'the server doesn\'t have a resource type "prometheuses"'],
    ['W1125 warning: something\nError from server (NotFound): services "prometheus-operated" not found\n', 'NotFound: services "prometheus-operated" not found'],
    ['', 'exit code 1'],
  ])('the API server message of %j is one line', (stderr, line) => {
    expect(firstErrorLine({ code: 1, stdout: '', stderr })).toBe(line);
  });

  test('shell quoting for --verbose', () => {
    expect(quote('get')).toBe('get');
    expect(quote('jsonpath={.a}')).toBe("'jsonpath={.a}'");
    expect(quote("it's")).toBe("'it'\\''s'");
  });
});
